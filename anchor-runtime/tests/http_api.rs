//! The operator interfaces of a running `anchor-runtime sync`: the node API
//! answers, health reports the unreachable execution node, and the metrics
//! scrape passes `promtool check metrics` (every metric described).

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::free_port;
use support::promtool::promtool;

const BIN: &str = env!("CARGO_BIN_EXE_anchor-runtime");

fn get(port: u16, path: &str) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let code = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n")?.1.to_string();
    Some((code, body))
}

#[test]
fn api_health_and_metrics_scrape() {
    let dir = tempfile::tempdir().unwrap();
    let net = dir.path().join("net.toml");
    std::fs::write(&net, "name = \"x\"\ncontract = \"0x1111111111111111111111111111111111111111\"\ndomain = \"0x00000402\"\n").unwrap();
    let (api, metrics) = (free_port(), free_port());
    let mut child = Command::new(BIN)
        .arg("sync")
        .arg("--network-config")
        .arg(&net)
        .args(["--eth-url", &format!("ws://127.0.0.1:{}", free_port())])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args([
            "--api-port",
            &api.to_string(),
            "--metrics-port",
            &metrics.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    // Health: the execution node is unreachable, so the node is not healthy.
    let health = loop {
        if let Some((code, body)) = get(api, "/v1/node/health") {
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            if json["components"]["execution"]["detail"]
                .as_str()
                .is_some_and(|d| d.contains("connect"))
            {
                break (code, json);
            }
        }
        assert!(Instant::now() < deadline, "no health report");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(health.0, 503);
    assert_eq!(health.1["healthy"], false);
    let (code, body) = get(api, "/v1/node/identity").unwrap();
    assert_eq!(code, 200);
    let identity: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(identity["network"], "x");
    assert_eq!(get(api, "/v1/validators").unwrap(), (200, "[]".to_string()));
    // The scrape has the failed calls counted, with help text for each metric.
    let (code, scrape) = get(metrics, "/metrics").unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(code, 200);
    assert!(scrape.contains("ssv_eth_rpc_errors_total"), "{scrape}");
    assert!(
        scrape.contains("# HELP ssv_eth_rpc_errors_total"),
        "{scrape}"
    );
    let mut check = Command::new(promtool())
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
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
