//! The beacon client against a real Lodestar 1.5.1 dev chain (installed from
//! npm and started by the test): genesis, attester, proposer and sync duties
//! for validators Lodestar does not run, head events, and fallback past a dead
//! first endpoint.

mod support;

use std::time::Duration;

use anchor_runtime::beacon::BeaconClient;
use anchor_runtime::devnet::lodestar::{ensure_installed, Lodestar};
use futures::StreamExt;
use ssv_protocol::scheduler::{DutiesRequest, DutiesResponse};
use support::free_port;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duties_and_head_events_from_lodestar() {
    let dir = ensure_installed().unwrap();
    let data = tempfile::tempdir().unwrap();
    let node = Lodestar::start(&dir, &data.path().join("beacon"), 8, "0..5", None).unwrap();
    // The first endpoint is dead: every call must fall back to Lodestar.
    let client = BeaconClient::new(vec![
        format!("http://127.0.0.1:{}", free_port()),
        node.url(),
    ]);

    let genesis = loop {
        match client.genesis().await {
            Ok(g) => break g,
            Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    };
    assert_ne!(genesis.validators_root, [0; 32]);

    // Validators 6 and 7 are the ones an SSV cluster would run.
    let attester = client
        .duties(&DutiesRequest::Attester {
            epoch: 0,
            indices: vec![6, 7],
        })
        .await;
    let DutiesResponse::Attester { duties, .. } = attester else {
        panic!("attester duties: {attester:?}")
    };
    assert_eq!(duties.len(), 2, "one attestation each per epoch");
    assert!(duties.iter().all(|d| d.slot < 8 && d.committee_length > 0));
    let proposer = client.duties(&DutiesRequest::Proposer { epoch: 0 }).await;
    let DutiesResponse::Proposer { duties, .. } = proposer else {
        panic!("proposer duties: {proposer:?}")
    };
    assert_eq!(
        duties.len(),
        8,
        "one proposer per slot of the minimal preset's epoch"
    );
    let sync = client
        .duties(&DutiesRequest::Sync {
            epoch: 0,
            indices: vec![6, 7],
        })
        .await;
    let DutiesResponse::Sync { duties } = sync else {
        panic!("sync duties: {sync:?}")
    };
    assert_eq!(
        duties.len(),
        2,
        "8 validators fill the 32 seats: each is a member"
    );

    // Two consecutive head events, slots increasing.
    let mut heads = Box::pin(client.head_events());
    let first = tokio::time::timeout(Duration::from_secs(30), heads.next())
        .await
        .unwrap()
        .unwrap();
    let second = tokio::time::timeout(Duration::from_secs(30), heads.next())
        .await
        .unwrap()
        .unwrap();
    assert!(second.slot > first.slot, "{first:?} then {second:?}");
    assert_ne!(second.block_root, first.block_root);
}
