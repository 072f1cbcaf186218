//! Helpers shared by the integration tests: the real components come from
//! `anchor_runtime::devnet`; promtool is only for tests.

pub mod promtool;

/// A free loopback port (panics in tests only).
#[allow(dead_code)] // not every test binary needs one
pub fn free_port() -> u16 {
    anchor_runtime::devnet::free_port().expect("a free port")
}
