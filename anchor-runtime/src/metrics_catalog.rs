//! Every metric the runtime records, described once (so a scrape has help
//! text for each).

use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};

/// Buckets of the QBFT start-to-decided histogram, in seconds: fine below
/// 50 ms, where loopback and a healthy network decide.
pub const DECIDED_BUCKETS: &[f64] = &[
    0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.008, 0.010, 0.012, 0.015, 0.020, 0.025, 0.030,
    0.040, 0.050, 0.075, 0.100, 0.150, 0.200, 0.300, 0.500, 1.0, 2.0, 4.0, 8.0,
];

/// Registers the description of every metric with the installed recorder.
pub fn describe_all() {
    describe_gauge!(
        "ssv_eth_last_processed_block",
        "Last execution block whose SSV events are stored"
    );
    describe_gauge!("ssv_eth_head_block", "Latest execution head block seen");
    describe_gauge!(
        "ssv_eth_batch_blocks",
        "Current eth_getLogs batch size in blocks"
    );
    describe_counter!(
        "ssv_eth_changes_total",
        "Registry changes stored from SSV contract events"
    );
    describe_counter!(
        "ssv_eth_events_skipped_total",
        "SSV contract events skipped as malformed, by event and reason"
    );
    describe_counter!(
        "ssv_eth_rpc_errors_total",
        "Failed calls to execution nodes"
    );
    describe_counter!(
        "ssv_eth_failovers_total",
        "Moves to the next execution endpoint after a failure"
    );
    describe_counter!("ssv_beacon_errors_total", "Failed calls to beacon nodes");
    describe_counter!(
        "ssv_duties_total",
        "Duties by runner role and outcome (started, decided, finished, refused)"
    );
    describe_histogram!(
        "ssv_qbft_decided_seconds",
        Unit::Seconds,
        "Time from our QBFT instance's start to its decision, by runner role"
    );
    describe_counter!(
        "ssv_validation_verdicts_total",
        "Gossip validation verdicts (accept, ignore, reject) by reason"
    );
    describe_counter!(
        "ssv_gossip_dropped_total",
        "Gossip messages dropped unvalidated because the CPU pool queue was full"
    );
    describe_gauge!(
        "ssv_pool_queue_depth",
        "Jobs waiting in the CPU pool, by queue (high: consensus and signing, low: partial signatures)"
    );
    describe_counter!(
        "ssv_pool_dropped_total",
        "Jobs refused by the CPU pool because their queue was full, by queue"
    );
    describe_counter!(
        "ssv_submissions_total",
        "Beacon submissions by object kind and outcome (ok; known: another operator submitted it first; failed)"
    );
    describe_counter!(
        "ssv_requests_failed_total",
        "Beacon fetches, signing or slashing checks that failed, by kind"
    );
    describe_counter!(
        "ssv_runner_refused_total",
        "Validated messages a runner refused (late, duplicate, no duty yet), by role"
    );
    describe_gauge!("ssv_p2p_peers", "Connected peers that passed the handshake");
    describe_gauge!(
        "ssv_p2p_topic_peers",
        "Handshaked peers that announced each subscribed subnet, by topic"
    );
    describe_counter!(
        "ssv_p2p_published_total",
        "Messages we published, by outcome (ok, failed)"
    );
    describe_gauge!(
        "ssv_node_validators",
        "Validators we hold a share of and run"
    );
    describe_gauge!(
        "ssv_beacon_head_slot",
        "Slot of the beacon node's latest head event"
    );
}
