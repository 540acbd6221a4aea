//! Nothing here: see benches/verify.rs.
