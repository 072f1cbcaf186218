//! `anchor-runtime node` as an operator meets it: with its beacon node down
//! it keeps retrying and says so in the health endpoint (503) and its
//! metrics (which pass `promtool check metrics`); a second node on the same
//! data directory and a wrong key password are refused with clear errors;
//! SIGTERM stops it cleanly (exit 0).

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::free_port;
use support::http_get;
use support::promtool::check_metrics;

const BIN: &str = env!("CARGO_BIN_EXE_anchor-runtime");

fn node(dir: &Path, data: &str, password: &Path, api: u16, metrics: u16) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("node")
        .arg("--network-config")
        .arg(dir.join("net.toml"))
        .args(["--beacon-url", &format!("http://127.0.0.1:{}", free_port())])
        .args(["--eth-url", &format!("ws://127.0.0.1:{}", free_port())])
        .arg("--data-dir")
        .arg(dir.join(data))
        .arg("--operator-keystore")
        .arg(dir)
        .arg("--password-file")
        .arg(password)
        .args([
            "--p2p-port",
            &free_port().to_string(),
            "--p2p-address",
            "127.0.0.1",
        ])
        .args([
            "--api-port",
            &api.to_string(),
            "--metrics-port",
            &metrics.to_string(),
        ]);
    cmd
}

#[test]
fn node_without_its_beacon_node_retries_reports_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("net.toml"),
        "name = \"x\"\ncontract = \"0x1111111111111111111111111111111111111111\"\ndomain = \"0x00000402\"\n",
    )
    .unwrap();
    let password = d.join("password");
    std::fs::write(&password, "right\n").unwrap();
    let keygen = Command::new(BIN)
        .arg("keygen")
        .arg("--password-file")
        .arg(&password)
        .arg("--out-dir")
        .arg(d)
        .output()
        .unwrap();
    assert!(keygen.status.success());

    let (api, metrics) = (free_port(), free_port());
    let mut child = node(d, "data", &password, api, metrics)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let (code, health) = loop {
        if let Some((code, body)) = http_get(api, "/v1/node/health") {
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            if json["components"]["beacon"]["detail"]
                .as_str()
                .is_some_and(|t| t.contains("unreachable"))
            {
                break (code, json);
            }
        }
        assert!(Instant::now() < deadline, "no beacon health report");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(code, 503);
    assert_eq!(health["components"]["beacon"]["ok"], false);

    // A second node on the same data directory is refused.
    let second = node(d, "data", &password, free_port(), free_port())
        .output()
        .unwrap();
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("in use by another anchor-runtime process"),
        "{err}"
    );

    // A wrong password is refused (on a data directory of its own).
    let wrong = d.join("wrong");
    std::fs::write(&wrong, "wrong\n").unwrap();
    let refused = node(d, "other", &wrong, free_port(), free_port())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("wrong password"), "{err}");

    // The metrics count the failed beacon calls and pass promtool.
    let scrape = loop {
        let (code, text) = http_get(metrics, "/metrics").unwrap();
        assert_eq!(code, 200);
        if text.contains("ssv_beacon_errors_total") {
            break text;
        }
        assert!(Instant::now() < deadline, "no beacon errors counted");
        std::thread::sleep(Duration::from_millis(200));
    };
    check_metrics(&scrape);

    // SIGTERM: a clean stop, exit 0, and it said why it was waiting.
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let stopped = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < stopped, "node did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut log = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(status.success(), "exit {status}: {log}");
    assert!(log.contains("beacon node unreachable; retrying"), "{log}");
}
