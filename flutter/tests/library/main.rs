//! The engine through the library's public API: scenarios in, points out,
//! exact values asserted.

mod basics;
mod corpus;
mod shapes;
mod util;
