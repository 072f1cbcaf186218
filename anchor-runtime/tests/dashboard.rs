//! The Grafana dashboard in `dashboards/` asks only for metrics the node
//! describes (and so exports), and is valid JSON with a query per panel.

use std::collections::BTreeSet;

#[test]
fn dashboard_queries_only_described_metrics() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = std::fs::read_to_string(root.join("dashboards/anchor-runtime.json")).unwrap();
    let dash: serde_json::Value = serde_json::from_str(&text).unwrap();
    let catalog = include_str!("../src/metrics_catalog.rs");
    let panels = dash["panels"].as_array().unwrap();
    assert!(panels.len() >= 8);
    let mut names = BTreeSet::new();
    for p in panels {
        let targets = p["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "panel {} has no query", p["title"]);
        for t in targets {
            let expr = t["expr"].as_str().unwrap();
            for (i, _) in expr.match_indices("ssv_") {
                let name: String = expr[i..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                names.insert(name.trim_end_matches("_bucket").to_string());
            }
        }
    }
    assert!(names.contains("ssv_qbft_decided_seconds"));
    for name in &names {
        assert!(
            catalog.contains(&format!("\"{name}\"")),
            "dashboard metric {name} is not described in metrics_catalog.rs"
        );
    }
}
