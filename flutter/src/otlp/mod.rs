//! OTLP/HTTP protobuf: where points go ([`destination`]), how they are encoded
//! ([`metrics`], [`common`]) and what the receiver's answer says
//! ([`response`]); with the `otlp` feature, the sink that sends them through
//! the [`delivery`](crate::delivery) layer. The same requests as OTLP JSON
//! Lines ([`json`], [`JsonLinesSink`]) for files.

mod common;
pub mod destination;
pub mod endpoint;
pub mod json;
mod json_lines;
pub mod logs;
pub mod metrics;
pub(crate) mod proto;
mod requests;
mod response;
#[cfg(feature = "otlp")]
mod signal;
#[cfg(feature = "otlp")]
mod sink;
pub mod split;
mod tag;
pub mod tls;
pub mod traces;

pub use destination::{EndpointSource, OtlpSettings, SettingsError, resolve};
pub use json_lines::JsonLinesSink;
pub use metrics::{Encoder, FLAG_NO_RECORDED_VALUE, SCOPE_NAME, estimate_bytes};
pub use response::decode_partial_success;
#[cfg(feature = "otlp")]
pub use sink::OtlpSink;

#[cfg(test)]
mod tests;
