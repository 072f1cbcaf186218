//! Helpers shared by the integration tests.

pub mod chain;
pub mod devtools;
pub mod lodestar;
pub mod promtool;
