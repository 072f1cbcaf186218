//! Real components for tests, installed and started by the test itself: anvil
//! and solc-js from npm (pinned in tools/devtools, cached under target/), an
//! anvil chain on a free loopback port, and the test contract compiled and
//! deployed on it.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The npm tools, installed once under target/devtools.
pub struct Devtools {
    pub dir: PathBuf,
}

impl Devtools {
    /// Installs the pinned packages (npm ci, no install scripts) unless the
    /// lock file is unchanged since the last install.
    pub fn ensure() -> Devtools {
        let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .unwrap()
            .to_path_buf();
        let dir = target.join("devtools");
        std::fs::create_dir_all(&dir).unwrap();
        let src = repo_root().join("tools/devtools");
        let lock = std::fs::read(src.join("package-lock.json")).unwrap();
        let stamp = dir.join("installed.lock");
        for f in ["package.json", "package-lock.json", "compile.cjs"] {
            std::fs::copy(src.join(f), dir.join(f)).unwrap();
        }
        let anvil = dir.join("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
        if std::fs::read(&stamp).ok().as_deref() != Some(&lock[..]) || !anvil.exists() {
            let status = Command::new("npm")
                .args([
                    "ci",
                    "--ignore-scripts",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                ])
                .current_dir(&dir)
                .status()
                .expect("npm is needed to install anvil and solc");
            assert!(status.success(), "npm ci failed in {}", dir.display());
            std::fs::write(&stamp, &lock).unwrap();
        }
        Devtools { dir }
    }

    pub fn anvil_bin(&self) -> PathBuf {
        self.dir
            .join("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
    }

    /// Compiles a contract of contracts/ and returns its creation bytecode.
    pub fn compile(&self, file: &str, name: &str) -> Vec<u8> {
        let out = Command::new("node")
            .arg(self.dir.join("compile.cjs"))
            .arg(repo_root().join("contracts").join(file))
            .arg(name)
            .output()
            .expect("node runs");
        assert!(
            out.status.success(),
            "solc: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        hex::decode(json["bytecode"].as_str().unwrap().trim_start_matches("0x")).unwrap()
    }
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An anvil process, killed on drop.
pub struct Anvil {
    child: Child,
    pub port: u16,
}

impl Anvil {
    /// Starts anvil (automine) and waits for its RPC.
    pub fn start(tools: &Devtools) -> Anvil {
        let port = free_port();
        let child = Command::new(tools.anvil_bin())
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--chain-id",
                "31337",
                "--silent",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start anvil");
        let anvil = Anvil { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "anvil did not open its port");
            std::thread::sleep(Duration::from_millis(50));
        }
        anvil
    }

    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
