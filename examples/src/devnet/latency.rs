//! QBFT start-to-decided figures from the nodes' Prometheus histograms
//! (`ssv_qbft_decided_seconds`): buckets summed over processes, quantiles by
//! linear interpolation inside the bucket that holds them.

use std::collections::BTreeMap;

/// Cumulative bucket counts by upper bound (seconds; `+Inf` as infinity),
/// summed over every role.
pub fn decided_buckets(metrics_text: &str) -> BTreeMap<u64, f64> {
    let mut out = BTreeMap::new();
    for line in metrics_text.lines() {
        let Some(rest) = line.strip_prefix("ssv_qbft_decided_seconds_bucket{") else {
            continue;
        };
        let Some((labels, value)) = rest.rsplit_once("} ") else {
            continue;
        };
        let Some(le) = labels
            .split(',')
            .find_map(|l| l.trim().strip_prefix("le=\""))
            .map(|v| v.trim_end_matches('"'))
        else {
            continue;
        };
        let bound = if le == "+Inf" {
            f64::INFINITY
        } else {
            le.parse().unwrap_or(f64::NAN)
        };
        let Ok(count) = value.trim().parse::<f64>() else {
            continue;
        };
        if bound.is_nan() {
            continue;
        }
        *out.entry(bound.to_bits()).or_insert(0.0) += count;
    }
    out
}

/// Adds `b` into `a`.
pub fn add(a: &mut BTreeMap<u64, f64>, b: &BTreeMap<u64, f64>) {
    for (k, v) in b {
        *a.entry(*k).or_insert(0.0) += v;
    }
}

/// The `q` quantile (0..1) in seconds, or `None` without observations.
/// Bucket keys are f64 bits of non-negative bounds, so their order is the
/// bounds' order.
pub fn quantile(buckets: &BTreeMap<u64, f64>, q: f64) -> Option<f64> {
    let total = buckets.values().copied().fold(0.0, f64::max);
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let (mut lower, mut below) = (0.0, 0.0);
    for (bits, count) in buckets {
        let upper = f64::from_bits(*bits);
        if *count >= rank {
            if upper.is_infinite() {
                return Some(lower);
            }
            let inside = count - below;
            let frac = if inside > 0.0 {
                (rank - below) / inside
            } else {
                1.0
            };
            return Some(lower + (upper - lower) * frac);
        }
        lower = upper;
        below = *count;
    }
    Some(lower)
}

/// Observations counted.
pub fn count(buckets: &BTreeMap<u64, f64>) -> f64 {
    buckets.values().copied().fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_sum_over_roles_and_quantiles_interpolate() {
        let text = "# HELP x\n\
            ssv_qbft_decided_seconds_bucket{role=\"Committee\",le=\"0.005\"} 50\n\
            ssv_qbft_decided_seconds_bucket{role=\"Committee\",le=\"0.01\"} 90\n\
            ssv_qbft_decided_seconds_bucket{role=\"Committee\",le=\"+Inf\"} 100\n\
            ssv_qbft_decided_seconds_bucket{role=\"Proposer\",le=\"0.005\"} 0\n\
            ssv_qbft_decided_seconds_bucket{role=\"Proposer\",le=\"0.01\"} 0\n\
            ssv_qbft_decided_seconds_bucket{role=\"Proposer\",le=\"+Inf\"} 0\n\
            ssv_qbft_decided_seconds_sum{role=\"Committee\"} 1.0\n";
        let b = decided_buckets(text);
        assert_eq!(count(&b), 100.0);
        // Half the observations are at or below 5 ms: p50 is the bucket's top.
        assert!((quantile(&b, 0.5).unwrap() - 0.005).abs() < 1e-12);
        // p70: 20 of the 40 in (5 ms, 10 ms], half way.
        assert!((quantile(&b, 0.7).unwrap() - 0.0075).abs() < 1e-12);
        // p99 lies in +Inf: reported as the last finite bound.
        assert!((quantile(&b, 0.99).unwrap() - 0.01).abs() < 1e-12);
        assert_eq!(quantile(&BTreeMap::new(), 0.5), None);
    }
}
