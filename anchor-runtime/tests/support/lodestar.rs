//! A Lodestar 1.5.1 dev chain on loopback for tests: installed once under
//! target/lodestar by tools/lodestar/install.sh, started by start.sh, killed
//! (SIGKILL: it hangs on SIGTERM) on drop.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::devtools::{free_port, repo_root};

/// Installs Lodestar under target/lodestar (idempotent) and returns the dir.
pub fn ensure_installed() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let dir = target.join("lodestar");
    let status = Command::new("bash")
        .arg(repo_root().join("tools/lodestar/install.sh"))
        .arg(&dir)
        .status()
        .expect("bash runs");
    assert!(
        status.success(),
        "Lodestar install failed (see {}/install.log)",
        dir.display()
    );
    dir
}

/// A running Lodestar dev chain.
pub struct Lodestar {
    child: Child,
    pub rest_port: u16,
    pub data_dir: PathBuf,
}

impl Lodestar {
    /// Starts a chain of `genesis` interop validators, running `range` of them
    /// itself, and waits for its REST API.
    pub fn start(dir: &Path, data_dir: &Path, genesis: u64, range: &str) -> Lodestar {
        let rest_port = free_port();
        let log = std::fs::File::create(data_dir.with_extension("log")).unwrap();
        let child = Command::new("bash")
            .arg(repo_root().join("tools/lodestar/start.sh"))
            .arg(dir)
            .arg(data_dir)
            .arg(rest_port.to_string())
            .arg(free_port().to_string())
            .arg(genesis.to_string())
            .arg(range)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start lodestar");
        let node = Lodestar {
            child,
            rest_port,
            data_dir: data_dir.to_path_buf(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", rest_port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "Lodestar's REST API did not open"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        node
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.rest_port)
    }
}

impl Drop for Lodestar {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
