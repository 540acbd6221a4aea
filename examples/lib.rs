//! Helpers shared by the examples (`cargo run --example NAME`); see `examples/README.md`.
