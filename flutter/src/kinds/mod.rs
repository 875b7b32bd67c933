//! The kinds a scenario is built from, one file each: emitter kinds (the value
//! shapes and transforms) and metric kinds (what a series' samples become).
//! Each directory's `mod.rs` holds its registry: the one list the model, the
//! loader, the engine, the macro's writer and `--check` all walk.

pub(crate) mod distribution;
pub(crate) mod emitters;
pub(crate) mod metrics;
