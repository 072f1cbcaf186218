//! Pieces of the duty runners (issue 5): partial-signature collection, the value
//! checks QBFT uses for each role's consensus data, and the share rules a runner
//! is built on. The runners themselves are not built yet.

pub mod partial_sigs;
pub mod shares;
pub mod value_check;
