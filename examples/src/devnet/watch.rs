//! Following the devnet: a status line per slot from the nodes' metrics, and
//! the duty assignments of the shared validators collected as epochs arrive
//! (the beacon node answers duties for the current and next epoch only).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use anchor_runtime::beacon::BeaconClient;
use serde_json::{json, Value};

/// An attestation assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AttesterDuty {
    /// The validator.
    pub validator: u64,
    /// The slot.
    pub slot: u64,
    /// The committee.
    pub committee_index: u64,
    /// The validator's bit in the committee.
    pub position: u64,
}

/// What is known of the shared validators' duties.
#[derive(Debug, Default)]
pub struct Duties {
    /// Attestation duties.
    pub attester: BTreeSet<AttesterDuty>,
    /// Sync committee seats of our validators, by sync period.
    pub sync_seats: BTreeMap<u64, BTreeMap<u64, Vec<u64>>>,
    epochs_done: BTreeSet<u64>,
}

/// The sum of every sample of a metric (all label sets containing each of
/// `must_contain`) in a scrape.
pub fn metric_sum(text: &str, name: &str, must_contain: &[&str]) -> f64 {
    text.lines()
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|r| r.starts_with('{') || r.starts_with(' '))
        })
        .filter(|l| must_contain.iter().all(|c| l.contains(c)))
        .filter_map(|l| l.rsplit_once(' ').and_then(|(_, v)| v.parse::<f64>().ok()))
        // A float sum starts at -0.0, which prints as "-0" when nothing matched.
        .fold(0.0, |a, b| a + b)
}

/// One node's scrape, or empty when it does not answer.
pub async fn scrape(port: u16) -> String {
    let url = format!("http://127.0.0.1:{port}/metrics");
    let get = async { reqwest::get(&url).await?.text().await };
    match tokio::time::timeout(Duration::from_secs(2), get).await {
        Ok(Ok(text)) => text,
        _ => String::new(),
    }
}

impl Duties {
    /// Asks the beacon node for `epoch`'s duties of `validators` (once per
    /// epoch).
    pub async fn collect(
        &mut self,
        beacon: &BeaconClient,
        epoch: u64,
        validators: &[u64],
        epochs_per_period: u64,
    ) {
        if self.epochs_done.contains(&epoch) {
            return;
        }
        let ids: Vec<String> = validators.iter().map(u64::to_string).collect();
        let path = format!("/eth/v1/validator/duties/attester/{epoch}");
        let Ok(v) = beacon
            .call(reqwest::Method::POST, &path, Some(&json!(ids)))
            .await
        else {
            return;
        };
        for d in v["data"].as_array().into_iter().flatten() {
            let n = |k: &str| d[k].as_str().and_then(|s| s.parse::<u64>().ok());
            if let (Some(validator), Some(slot), Some(committee_index), Some(position)) = (
                n("validator_index"),
                n("slot"),
                n("committee_index"),
                n("validator_committee_index"),
            ) {
                self.attester.insert(AttesterDuty {
                    validator,
                    slot,
                    committee_index,
                    position,
                });
            }
        }
        let period = epoch / epochs_per_period.max(1);
        if let std::collections::btree_map::Entry::Vacant(slot) = self.sync_seats.entry(period) {
            let path = format!("/eth/v1/beacon/states/head/sync_committees?epoch={epoch}");
            if let Ok(v) = beacon.call(reqwest::Method::GET, &path, None).await {
                let members: Vec<u64> = v["data"]["validators"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|x| x.as_str().and_then(|s| s.parse().ok()))
                    .collect();
                let mut seats: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
                for (seat, member) in members.iter().enumerate() {
                    if validators.contains(member) {
                        seats.entry(*member).or_default().push(seat as u64);
                    }
                }
                slot.insert(seats);
            }
        }
        self.epochs_done.insert(epoch);
    }
}

/// The status line of a slot: duties finished and submissions made, summed
/// over the nodes that answered, and each node's peer count.
pub fn status_line(slot: u64, head: Option<u64>, scrapes: &[String]) -> String {
    let finished: f64 = scrapes
        .iter()
        .map(|s| metric_sum(s, "ssv_duties_total", &["outcome=\"finished\""]))
        .sum();
    let decided: f64 = scrapes
        .iter()
        .map(|s| metric_sum(s, "ssv_duties_total", &["outcome=\"decided\""]))
        .sum();
    let submitted: f64 = scrapes
        .iter()
        .map(|s| metric_sum(s, "ssv_submissions_total", &["outcome=\"ok\""]))
        .sum();
    let peers: Vec<String> = scrapes
        .iter()
        .map(|s| {
            if s.is_empty() {
                "-".into()
            } else {
                format!("{}", metric_sum(s, "ssv_p2p_peers", &[]))
            }
        })
        .collect();
    let head = head.map_or("?".into(), |h| h.to_string());
    format!(
        "slot {slot:>4} | head {head:>4} | decided {decided:>4} | finished {finished:>4} | submitted {submitted:>4} | peers {}",
        peers.join("/")
    )
}

/// The beacon head's slot.
pub async fn head_slot(beacon: &BeaconClient) -> Option<u64> {
    let v: Value = beacon
        .call(reqwest::Method::GET, "/eth/v1/beacon/headers/head", None)
        .await
        .ok()?;
    v["data"]["header"]["message"]["slot"]
        .as_str()?
        .parse()
        .ok()
}
