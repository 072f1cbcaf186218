//! The operator interfaces of a running `anchor-runtime sync`: the node API
//! answers, health reports the unreachable execution node, and the metrics
//! scrape passes `promtool check metrics` (every metric described).

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::free_port;
use support::http_get;
use support::promtool::check_metrics;

const BIN: &str = env!("CARGO_BIN_EXE_anchor-runtime");

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
        if let Some((code, body)) = http_get(api, "/v1/node/health") {
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
    let (code, body) = http_get(api, "/v1/node/identity").unwrap();
    assert_eq!(code, 200);
    let identity: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(identity["network"], "x");
    assert_eq!(
        http_get(api, "/v1/validators").unwrap(),
        (200, "[]".to_string())
    );
    // The scrape has the failed calls counted, with help text for each metric.
    let (code, scrape) = http_get(metrics, "/metrics").unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(code, 200);
    assert!(scrape.contains("ssv_eth_rpc_errors_total"), "{scrape}");
    assert!(
        scrape.contains("# HELP ssv_eth_rpc_errors_total"),
        "{scrape}"
    );
    check_metrics(&scrape);
}
