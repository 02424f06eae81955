//! Search benchmarks.
fn main() {}
