//! flutter-bin as a user runs it: real processes, real files.

mod corpus;
mod pacing;
mod runs;
mod util;
