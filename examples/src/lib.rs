//! Shared code of the runnable binaries: the spec-vector conformance runner.

pub mod spec;
