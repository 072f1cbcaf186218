//! Helpers shared by the integration tests: the real components come from
//! `anchor_runtime::devnet`; promtool is only for tests.

pub mod promtool;

/// A free loopback port (panics in tests only).
#[allow(dead_code)] // not every test binary needs one
pub fn free_port() -> u16 {
    anchor_runtime::devnet::free_port().expect("a free port")
}

/// A GET on loopback: (status code, body), or `None` while nothing answers.
#[allow(dead_code)] // not every test binary asks
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
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
    Some((code, text.split_once("\r\n\r\n")?.1.to_string()))
}
