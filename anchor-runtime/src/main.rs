//! The SSV operator node (issues 6 and 8).
//!
//! Not built yet: today this binary only reports its version. The protocol
//! machines it will drive live in `qbft-core` and `ssv-protocol`; the in-process
//! demo is `cargo run --release -p examples --bin local-cluster`.

use std::process::ExitCode;

fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        Some("--version") | Some("version") => {
            println!("anchor-runtime {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!(
                "anchor-runtime {}: the operator node is not implemented yet (execution sync: issue 6, \
                 node: issue 8). Run the in-process demo instead: \
                 cargo run --release -p examples --bin local-cluster",
                env!("CARGO_PKG_VERSION")
            );
            ExitCode::from(2)
        }
    }
}
