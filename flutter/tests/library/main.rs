//! The engine through the library's public API: scenarios in, points out,
//! exact values asserted.

mod basics;
mod churn;
mod corpus;
mod ends;
mod integrate;
mod logs;
mod per_series;
mod plan;
mod sets;
mod shapes;
mod shards;
mod traces;
mod util;
