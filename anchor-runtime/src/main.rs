//! `anchor-runtime`: the SSV operator node's binary.
//!
//! `node` runs the operator node (execution sync, libp2p, the beacon node and
//! duties); `sync` only the execution-layer sync; `keygen` makes operator
//! keys, `keysplit` splits validator keys for local networks and `db-dump`
//! prints the database's registry; `replay` replays a trace `node --record`
//! wrote.

mod cli;
mod node_cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
