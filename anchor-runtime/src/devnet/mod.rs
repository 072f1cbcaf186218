//! Real components on loopback for tests and the local devnet: anvil and
//! solc-js from npm (pinned in `tools/devtools`), a Lodestar 1.5.1 dev chain
//! (pinned in `tools/lodestar`), and the test SSV contract driven through
//! alloy. Everything installs itself once under the cargo target directory.
//! Development tooling: not used by the node itself.

pub mod contract;
pub mod lodestar;
pub mod tools;

use std::net::TcpListener;
use std::path::{Path, PathBuf};

/// The repository root (this crate's parent directory at build time).
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The cargo target directory: `CARGO_TARGET_DIR` when set, else
/// `<repo>/target`.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| {
            if p.is_relative() {
                repo_root().join(p)
            } else {
                p
            }
        })
        .unwrap_or_else(|| repo_root().join("target"))
}

/// A free TCP port on loopback (free when asked; a race with other processes
/// is possible, as with any such helper).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
