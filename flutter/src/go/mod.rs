//! Compatibility with the Go tool: its duration syntax and the way it prints
//! floats (its PCG stream lives with the other random streams, in `rng`).

pub mod duration;
pub mod float;
