//! flutter-bin as a user runs it: real processes, real files.

mod backend;
mod command_line;
mod corpus;
mod deploy;
mod faults;
mod grpc;
mod output;
mod pacing;
mod plot;
mod progress;
mod prometheus;
mod receiver;
mod remote_write;
mod runs;
mod schema;
mod signals;
mod tls;
mod util;
mod vm;
