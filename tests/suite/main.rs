//! flutter as a library user sees it: scenarios embedded at compile time, run
//! by the same engine as the CLI, asserted on exact values.

mod embedded;
mod equivalence;
mod rebuild;
mod shapes;
mod ui;
