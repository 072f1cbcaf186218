//! Every metric the runtime records, described once (so a scrape has help
//! text for each).

use metrics::{describe_counter, describe_gauge};

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
}
