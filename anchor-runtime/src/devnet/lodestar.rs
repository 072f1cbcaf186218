//! A Lodestar 1.5.1 dev chain on loopback: installed once under
//! `<target>/lodestar` by `tools/lodestar/install.sh`, started by `start.sh`,
//! killed with SIGKILL on drop (it hangs on SIGTERM).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{free_port, repo_root, target_dir};

/// Installs Lodestar under `<target>/lodestar` (idempotent); returns the dir.
pub fn ensure_installed() -> Result<PathBuf, String> {
    let dir = target_dir().join("lodestar");
    let status = Command::new("bash")
        .arg(repo_root().join("tools/lodestar/install.sh"))
        .arg(&dir)
        .status()
        .map_err(|e| format!("bash: {e}"))?;
    if !status.success() {
        return Err(format!(
            "Lodestar install failed (see {}/install.log)",
            dir.display()
        ));
    }
    Ok(dir)
}

/// A running Lodestar dev chain.
#[derive(Debug)]
pub struct Lodestar {
    child: Child,
    /// Its REST port.
    pub rest_port: u16,
    /// Its data directory.
    pub data_dir: PathBuf,
}

impl Lodestar {
    /// Starts a chain of `genesis` interop validators, running `range` of them
    /// itself (`"0..5"`, or empty for none), with `genesis_time` (Unix
    /// seconds) when given, and waits for its REST API. Its log goes to
    /// `<data_dir>.log`. Slots are 2 s unless `DEV_SECONDS_PER_SLOT`
    /// is set in the environment (see [`Lodestar::start_with_slot`]).
    pub fn start(
        dir: &Path,
        data_dir: &Path,
        genesis: u64,
        range: &str,
        genesis_time: Option<u64>,
    ) -> Result<Lodestar, String> {
        Self::start_with_slot(dir, data_dir, genesis, range, genesis_time, None)
    }

    /// [`Lodestar::start`] with slots of `seconds_per_slot` seconds.
    pub fn start_with_slot(
        dir: &Path,
        data_dir: &Path,
        genesis: u64,
        range: &str,
        genesis_time: Option<u64>,
        seconds_per_slot: Option<u64>,
    ) -> Result<Lodestar, String> {
        let rest_port = free_port().map_err(|e| e.to_string())?;
        let p2p_port = free_port().map_err(|e| e.to_string())?;
        std::fs::create_dir_all(data_dir).map_err(|e| e.to_string())?;
        let log =
            std::fs::File::create(data_dir.with_extension("log")).map_err(|e| e.to_string())?;
        let mut cmd = Command::new("bash");
        cmd.arg(repo_root().join("tools/lodestar/start.sh"))
            .arg(dir)
            .arg(data_dir)
            .arg(rest_port.to_string())
            .arg(p2p_port.to_string())
            .arg(genesis.to_string())
            .arg(range);
        if let Some(t) = genesis_time {
            cmd.env("LODESTAR_GENESIS_TIME", t.to_string());
        }
        if let Some(s) = seconds_per_slot {
            cmd.env("DEV_SECONDS_PER_SLOT", s.to_string());
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("start Lodestar: {e}"))?;
        let mut node = Lodestar {
            child,
            rest_port,
            data_dir: data_dir.to_path_buf(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", rest_port)).is_err() {
            if Instant::now() > deadline {
                return Err("Lodestar's REST API did not open in 60 s".into());
            }
            if let Ok(Some(status)) = node.child.try_wait() {
                return Err(format!(
                    "Lodestar exited ({status}); see {}",
                    data_dir.with_extension("log").display()
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(node)
    }

    /// Its REST URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.rest_port)
    }
}

impl Lodestar {
    /// SIGTERM, then SIGKILL when it has not exited after `grace` (Lodestar
    /// 1.5.1 often hangs on SIGTERM).
    pub fn stop(&mut self, grace: Duration) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Lodestar {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
