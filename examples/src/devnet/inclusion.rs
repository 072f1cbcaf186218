//! What the beacon chain included, read back through the Beacon API: each
//! attestation duty of the shared validators is included when a block of the
//! next `slots_per_epoch` slots carries an attestation for its slot and
//! committee with the validator's bit set; each sync-committee duty (a member
//! validator at a slot) when the block of the next slot has one of the
//! validator's seat bits set in its sync aggregate.

use std::collections::BTreeMap;

use anchor_runtime::beacon::BeaconClient;
use serde_json::Value;

use super::watch::Duties;

/// One block's parts that matter here.
#[derive(Debug, Default, Clone)]
pub struct BlockFacts {
    /// (slot, committee index, aggregation bits) of each attestation.
    pub attestations: Vec<(u64, u64, Vec<u8>)>,
    /// The sync aggregate's bits.
    pub sync_bits: Vec<u8>,
}

/// Whether bit `i` of SSZ bit bytes is set (little-endian bit order).
pub fn bit(bytes: &[u8], i: u64) -> bool {
    bytes
        .get((i / 8) as usize)
        .is_some_and(|b| b & (1 << (i % 8)) != 0)
}

fn hex_bytes(v: &Value) -> Vec<u8> {
    v.as_str()
        .and_then(|s| hex::decode(s.trim_start_matches("0x")).ok())
        .unwrap_or_default()
}

fn num(v: &Value) -> Option<u64> {
    v.as_str().and_then(|s| s.parse().ok())
}

/// A block's facts from `/eth/v2/beacon/blocks/{slot}` JSON.
pub fn block_facts(v: &Value) -> BlockFacts {
    let body = &v["data"]["message"]["body"];
    let attestations = body["attestations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| {
            Some((
                num(&a["data"]["slot"])?,
                num(&a["data"]["index"])?,
                hex_bytes(&a["aggregation_bits"]),
            ))
        })
        .collect();
    BlockFacts {
        attestations,
        sync_bits: hex_bytes(&body["sync_aggregate"]["sync_committee_bits"]),
    }
}

/// The blocks of `slots` (missed slots absent).
pub async fn fetch_blocks(
    beacon: &BeaconClient,
    slots: std::ops::RangeInclusive<u64>,
) -> BTreeMap<u64, BlockFacts> {
    let mut out = BTreeMap::new();
    for slot in slots {
        let path = format!("/eth/v2/beacon/blocks/{slot}");
        if let Ok(v) = beacon.call(reqwest::Method::GET, &path, None).await {
            // A missed slot answers 404; an answer for another slot is not it.
            if num(&v["data"]["message"]["slot"]) == Some(slot) {
                out.insert(slot, block_facts(&v));
            }
        }
    }
    out
}

/// Included and expected duties, by kind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Attestations included.
    pub attestations_included: u64,
    /// Attestation duties.
    pub attestations: u64,
    /// Sync-committee messages included.
    pub sync_included: u64,
    /// Sync-committee duties.
    pub sync: u64,
    /// The duties not included, as `kind validator@slot`.
    pub missed: Vec<String>,
}

impl Tally {
    /// Included duties of both kinds.
    pub fn included(&self) -> u64 {
        self.attestations_included + self.sync_included
    }

    /// Duties of both kinds.
    pub fn total(&self) -> u64 {
        self.attestations + self.sync
    }
}

/// Counts the duties of slots `from..=to`.
pub fn tally(
    duties: &Duties,
    blocks: &BTreeMap<u64, BlockFacts>,
    from: u64,
    to: u64,
    slots_per_epoch: u64,
    epochs_per_period: u64,
) -> Tally {
    let mut t = Tally::default();
    for d in duties
        .attester
        .iter()
        .filter(|d| (from..=to).contains(&d.slot))
    {
        t.attestations += 1;
        let included = (d.slot + 1..=d.slot + slots_per_epoch).any(|s| {
            blocks.get(&s).is_some_and(|b| {
                b.attestations.iter().any(|(slot, index, bits)| {
                    *slot == d.slot && *index == d.committee_index && bit(bits, d.position)
                })
            })
        });
        t.attestations_included += u64::from(included);
        if !included {
            t.missed
                .push(format!("attestation {}@{}", d.validator, d.slot));
        }
    }
    for slot in from..=to {
        let period = slot / slots_per_epoch.max(1) / epochs_per_period.max(1);
        let Some(seats) = duties.sync_seats.get(&period) else {
            continue;
        };
        for (validator, seat_list) in seats {
            t.sync += 1;
            let included = blocks
                .get(&(slot + 1))
                .is_some_and(|b| seat_list.iter().any(|s| bit(&b.sync_bits, *s)));
            t.sync_included += u64::from(included);
            if !included {
                t.missed.push(format!("sync {validator}@{slot}"));
            }
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devnet::watch::AttesterDuty;

    #[test]
    fn counts_an_attestation_in_a_later_block_and_a_sync_bit_in_the_next() {
        let mut duties = Duties::default();
        duties.attester.insert(AttesterDuty {
            validator: 60,
            slot: 10,
            committee_index: 0,
            position: 2,
        });
        duties.attester.insert(AttesterDuty {
            validator: 61,
            slot: 11,
            committee_index: 0,
            position: 0,
        });
        duties.sync_seats.insert(0, BTreeMap::from([(60, vec![9])]));
        let mut blocks = BTreeMap::new();
        // Slot 12 holds the slot-10 attestation with bit 2 set, and the sync
        // bit 9 for slot 11; slot 11 is missed.
        blocks.insert(
            12,
            BlockFacts {
                attestations: vec![(10, 0, vec![0b0000_0100, 0])],
                sync_bits: vec![0, 0b10, 0, 0],
            },
        );
        let t = tally(&duties, &blocks, 10, 11, 8, 8);
        assert_eq!(t.attestations, 2);
        assert_eq!(t.attestations_included, 1);
        assert_eq!(t.sync, 2);
        assert_eq!(t.sync_included, 1);
        assert_eq!(t.missed, ["attestation 61@11", "sync 60@10"]);
    }
}
