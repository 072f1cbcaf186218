//! promtool, from Debian's prometheus package, unpacked under target/ once.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The promtool binary (downloaded with `apt-get download prometheus`).
pub fn promtool() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let dir = target.join("prometheus");
    let bin = dir.join("root/usr/bin/promtool");
    if bin.exists() {
        return bin;
    }
    std::fs::create_dir_all(&dir).unwrap();
    let download = Command::new("apt-get")
        .args(["download", "prometheus"])
        .current_dir(&dir)
        .status();
    if !download.is_ok_and(|s| s.success()) {
        // The package lists may be missing on a fresh machine.
        let _ = Command::new("apt-get").args(["update", "-qq"]).status();
        let status = Command::new("apt-get")
            .args(["download", "prometheus"])
            .current_dir(&dir)
            .status()
            .expect("apt-get runs");
        assert!(status.success(), "apt-get download prometheus failed");
    }
    let deb = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .expect("the prometheus .deb");
    let status = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(dir.join("root"))
        .status()
        .unwrap();
    assert!(status.success(), "dpkg-deb -x failed");
    bin
}

/// Passes a scrape through `promtool check metrics`; panics with its report.
pub fn check_metrics(scrape: &str) {
    use std::io::Write;
    use std::process::Stdio;
    let mut check = Command::new(promtool())
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    check
        .stdin
        .take()
        .unwrap()
        .write_all(scrape.as_bytes())
        .unwrap();
    let out = check.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool: {}{}\n{scrape}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
