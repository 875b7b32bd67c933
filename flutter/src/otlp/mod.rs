//! OTLP/HTTP protobuf: encoding points, and (with the `otlp` feature) delivering
//! them with retries, a bounded queue and a summary of what happened.

mod encode;
mod proto;
#[cfg(feature = "otlp")]
mod sender;
pub mod settings;
#[cfg(feature = "otlp")]
mod sink;
#[cfg(feature = "otlp")]
mod transport;

pub use encode::{
    Encoder, FLAG_NO_RECORDED_VALUE, PartialSuccess, PointData, SCOPE_NAME, TimedPoint, decode_partial_success,
};
#[cfg(feature = "otlp")]
pub use sender::{DeliveryEvent, DeliveryStats, DropCause};
#[cfg(feature = "otlp")]
pub use sink::OtlpSink;
#[cfg(feature = "otlp")]
pub use transport::BODY_EXCERPT;

#[cfg(test)]
mod tests;
