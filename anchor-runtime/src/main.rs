//! `anchor-runtime`: the SSV operator node's binary.
//!
//! Today it carries the execution-layer sync (`sync`), operator keys
//! (`keygen`), key splitting for local networks (`keysplit`) and database
//! inspection (`db-dump`). The full node (`node`: libp2p and the beacon node)
//! is issue 8; the in-process demo of the protocol machines is
//! `cargo run --release -p examples --bin local-cluster`.

mod cli;

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
