//! What the bench reads from the operating system (process CPU time over all
//! threads, resident memory and its peak) and the crypto floor: the same
//! number of RSA and BLS verifications, timed bare.

use std::time::Duration;

use blst::min_pk::SecretKey;
use ssv_protocol::operator_key::OperatorPublicKey;
use ssv_protocol::threshold::{sign, PublicKey, Signature, ETH_DST};

use super::world::h;

/// CPU time of every thread of this process, in nanoseconds (the sum of
/// `/proc/self/task/*/schedstat`; falls back to `/proc/self/stat` ticks).
pub fn cpu_ns() -> u64 {
    let mut total = 0u64;
    let mut any = false;
    if let Ok(dir) = std::fs::read_dir("/proc/self/task") {
        for e in dir.flatten() {
            let p = e.path().join("schedstat");
            if let Ok(s) = std::fs::read_to_string(p) {
                if let Some(ns) = s
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
                {
                    total += ns;
                    any = true;
                }
            }
        }
    }
    if any {
        return total;
    }
    // Fields 14 and 15 (utime, stime) after the command name, in 1/100 s.
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
            Some(ticks * 10_000_000)
        })
        .unwrap_or(0)
}

/// CPU time of the main thread and of all other threads, in nanoseconds
/// (`/proc/self/task/*/schedstat`; the main thread's ID is the process ID).
pub fn cpu_split_ns() -> (u64, u64) {
    let main = std::process::id().to_string();
    let (mut a, mut b) = (0u64, 0u64);
    if let Ok(dir) = std::fs::read_dir("/proc/self/task") {
        for e in dir.flatten() {
            let ns = std::fs::read_to_string(e.path().join("schedstat"))
                .ok()
                .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
                .unwrap_or(0);
            if e.file_name().to_string_lossy() == main {
                a += ns;
            } else {
                b += ns;
            }
        }
    }
    (a, b)
}

/// CPU time of the calling thread, in nanoseconds (`/proc/thread-self/schedstat`).
pub fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Resident memory now, in kB (`VmRSS`).
pub fn rss_kb() -> u64 {
    status_kb("VmRSS:")
}

/// Peak resident memory, in kB (`VmHWM`).
pub fn peak_rss_kb() -> u64 {
    status_kb("VmHWM:")
}

/// Resets the peak to the current resident memory (writes 5 to
/// `/proc/self/clear_refs`); false where the kernel refuses.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// One RSA verification to repeat bare: signer key, signed bytes, signature.
pub type RsaSample = (OperatorPublicKey, Vec<u8>, Vec<u8>);

/// Times (thread CPU time) `count` bare RSA verifications, cycling through `samples` (real
/// messages of the run, keys parsed beforehand). Returns the time and how many
/// verified.
pub fn rsa_floor(samples: &[RsaSample], count: u64) -> (Duration, u64) {
    if samples.is_empty() {
        return (Duration::ZERO, 0);
    }
    let start = thread_cpu_ns();
    let mut ok = 0u64;
    for i in 0..count as usize {
        let (key, bytes, sig) = &samples[i % samples.len()];
        ok += u64::from(key.verify_encoded(bytes, sig));
    }
    (
        Duration::from_nanos(thread_cpu_ns().saturating_sub(start)),
        ok,
    )
}

/// Times (thread CPU time) `count` bare BLS verifications (a parsed public key, a 32-byte root,
/// a parsed signature), cycling through 64 prepared ones. Returns the time and
/// how many verified.
///
/// Each is blst's standard check on the calling thread ([`bare_verify`]): key
/// and signature group checks, the message hashed every time, two pairings.
/// Not `threshold::verify`, whose hashes are remembered per root: cycling
/// through 64 roots would then time pairings without hashing, a floor below
/// what one verification per submission costs.
pub fn bls_floor(count: u64) -> (Duration, u64) {
    let items: Vec<_> = (0..64u64)
        .map(|k| {
            // 32 bytes of input key material always make a key.
            let sk = SecretKey::key_gen(&h("floor key", k), &[]).expect("32-byte IKM");
            let root = h("floor root", k);
            (sk.sk_to_pk(), root, sign(&sk, &root))
        })
        .collect();
    let start = thread_cpu_ns();
    let mut ok = 0u64;
    for i in 0..count as usize {
        let (pk, root, sig) = &items[i % items.len()];
        ok += u64::from(bare_verify(pk, root, sig));
    }
    (
        Duration::from_nanos(thread_cpu_ns().saturating_sub(start)),
        ok,
    )
}

/// blst's single-signature check on the calling thread, with nothing remembered
/// between calls.
fn bare_verify(pk: &PublicKey, msg: &[u8], sig: &Signature) -> bool {
    let pk: blst::blst_p1_affine = (*pk).into();
    let sig: blst::blst_p2_affine = (*sig).into();
    let mut pairing = blst::Pairing::new(true, ETH_DST);
    if pairing.aggregate(&pk, true, &sig, true, msg, &[]) != blst::BLST_ERROR::BLST_SUCCESS {
        return false;
    }
    pairing.commit();
    pairing.finalverify(None)
}
