//! anvil and solc-js from npm, installed once under `<target>/devtools`, and
//! an anvil process on a free loopback port.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{free_port, repo_root, target_dir};

/// The npm tools, installed once under `<target>/devtools`.
#[derive(Debug)]
pub struct Devtools {
    /// Where they are.
    pub dir: PathBuf,
}

fn io(what: &str) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

impl Devtools {
    /// Installs the pinned packages (npm ci, no install scripts) unless the
    /// lock file is unchanged since the last install.
    pub fn ensure() -> Result<Devtools, String> {
        let dir = target_dir().join("devtools");
        std::fs::create_dir_all(&dir).map_err(io("create target/devtools"))?;
        let src = repo_root().join("tools/devtools");
        let lock = std::fs::read(src.join("package-lock.json")).map_err(io("tools/devtools"))?;
        let stamp = dir.join("installed.lock");
        for f in ["package.json", "package-lock.json", "compile.cjs"] {
            std::fs::copy(src.join(f), dir.join(f)).map_err(io(f))?;
        }
        let tools = Devtools { dir };
        if std::fs::read(&stamp).ok().as_deref() != Some(&lock[..]) || !tools.anvil_bin().exists() {
            let status = Command::new("npm")
                .args([
                    "ci",
                    "--ignore-scripts",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                ])
                .current_dir(&tools.dir)
                .status()
                .map_err(io("npm (needed to install anvil and solc)"))?;
            if !status.success() {
                return Err(format!("npm ci failed in {}", tools.dir.display()));
            }
            std::fs::write(&stamp, &lock).map_err(io("install stamp"))?;
        }
        Ok(tools)
    }

    /// The anvil binary.
    pub fn anvil_bin(&self) -> PathBuf {
        self.dir
            .join("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
    }

    /// Compiles a contract of `contracts/`; returns its creation bytecode.
    pub fn compile(&self, file: &str, name: &str) -> Result<Vec<u8>, String> {
        let out = Command::new("node")
            .arg(self.dir.join("compile.cjs"))
            .arg(repo_root().join("contracts").join(file))
            .arg(name)
            .output()
            .map_err(io("node"))?;
        if !out.status.success() {
            return Err(format!("solc: {}", String::from_utf8_lossy(&out.stderr)));
        }
        let json: serde_json::Value =
            serde_json::from_slice(&out.stdout).map_err(|e| format!("solc output: {e}"))?;
        json["bytecode"]
            .as_str()
            .and_then(|b| hex::decode(b.trim_start_matches("0x")).ok())
            .ok_or_else(|| "solc output has no bytecode".to_string())
    }
}

/// An anvil process, killed on drop.
#[derive(Debug)]
pub struct Anvil {
    child: Child,
    /// Its RPC port.
    pub port: u16,
}

impl Anvil {
    /// Starts anvil (automine, or a block every `block_time` seconds) and
    /// waits for its RPC.
    pub fn start(tools: &Devtools, block_time: Option<u64>) -> Result<Anvil, String> {
        let port = free_port().map_err(io("free port"))?;
        let mut cmd = Command::new(tools.anvil_bin());
        cmd.args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--chain-id",
            "31337",
            "--silent",
        ]);
        if let Some(t) = block_time {
            cmd.args(["--block-time", &t.to_string()]);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(io("start anvil"))?;
        let anvil = Anvil { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err("anvil did not open its port in 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(anvil)
    }

    /// Its HTTP RPC URL.
    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its WebSocket RPC URL.
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
