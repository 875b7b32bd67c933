//! OTLP protobuf field numbers, by message (from `opentelemetry-proto`'s
//! `.proto` files), so every write says which field it is.

/// `ExportMetricsServiceRequest`.
pub mod request {
    pub const RESOURCE_METRICS: u8 = 1;
}

/// `ExportMetricsServiceResponse` (and its trace and log twins).
pub mod response {
    pub const PARTIAL_SUCCESS: u64 = 1;
    /// `Export*PartialSuccess`.
    pub const REJECTED: u64 = 1;
    pub const ERROR_MESSAGE: u64 = 2;
}

/// `ResourceMetrics`.
pub mod resource_metrics {
    pub const RESOURCE: u8 = 1;
    pub const SCOPE_METRICS: u8 = 2;
}

/// `Resource`.
pub mod resource {
    pub const ATTRIBUTES: u8 = 1;
}

/// `ScopeMetrics`.
pub mod scope_metrics {
    pub const SCOPE: u8 = 1;
    pub const METRICS: u8 = 2;
}

/// `InstrumentationScope`.
pub mod scope {
    pub const NAME: u8 = 1;
    pub const ATTRIBUTES: u8 = 3;
}

/// `Metric`.
pub mod metric {
    pub const NAME: u8 = 1;
    pub const DESCRIPTION: u8 = 2;
    pub const UNIT: u8 = 3;
    pub const GAUGE: u8 = 5;
    pub const SUM: u8 = 7;
    pub const HISTOGRAM: u8 = 9;
    pub const EXPONENTIAL_HISTOGRAM: u8 = 10;
}

/// `Gauge`, `Sum`, `Histogram` and `ExponentialHistogram`.
pub mod data {
    pub const DATA_POINTS: u8 = 1;
    pub const AGGREGATION_TEMPORALITY: u8 = 2;
    /// `Sum` only.
    pub const IS_MONOTONIC: u8 = 3;
}

/// `NumberDataPoint`.
pub mod number_point {
    pub const START_TIME: u8 = 2;
    pub const TIME: u8 = 3;
    pub const AS_DOUBLE: u8 = 4;
    pub const AS_INT: u8 = 6;
    pub const ATTRIBUTES: u8 = 7;
    pub const FLAGS: u8 = 8;
}

/// `HistogramDataPoint`.
pub mod histogram_point {
    pub const START_TIME: u8 = 2;
    pub const TIME: u8 = 3;
    pub const COUNT: u8 = 4;
    pub const SUM: u8 = 5;
    pub const BUCKET_COUNTS: u8 = 6;
    pub const EXPLICIT_BOUNDS: u8 = 7;
    pub const ATTRIBUTES: u8 = 9;
    pub const FLAGS: u8 = 10;
    pub const MIN: u8 = 11;
    pub const MAX: u8 = 12;
}

/// `ExponentialHistogramDataPoint`.
pub mod exp_histogram_point {
    pub const ATTRIBUTES: u8 = 1;
    pub const START_TIME: u8 = 2;
    pub const TIME: u8 = 3;
    pub const COUNT: u8 = 4;
    pub const SUM: u8 = 5;
    pub const SCALE: u8 = 6;
    pub const ZERO_COUNT: u8 = 7;
    pub const POSITIVE: u8 = 8;
    pub const NEGATIVE: u8 = 9;
    pub const FLAGS: u8 = 10;
    pub const MIN: u8 = 12;
    pub const MAX: u8 = 13;
}

/// `ExponentialHistogramDataPoint.Buckets`.
pub mod buckets {
    pub const OFFSET: u8 = 1;
    pub const BUCKET_COUNTS: u8 = 2;
}

/// `KeyValue`.
pub mod key_value {
    pub const KEY: u8 = 1;
    pub const VALUE: u8 = 2;
}

/// `AnyValue`.
pub mod any_value {
    pub const STRING: u8 = 1;
    pub const BOOL: u8 = 2;
    pub const INT: u8 = 3;
    pub const DOUBLE: u8 = 4;
    pub const ARRAY: u8 = 5;
    pub const KVLIST: u8 = 6;
}

/// `ArrayValue` and `KeyValueList`.
pub mod list {
    pub const VALUES: u8 = 1;
}

/// `ExportTraceServiceRequest` (and `TracesData`).
pub mod traces_request {
    pub const RESOURCE_SPANS: u8 = 1;
}

/// `ResourceSpans` (`resource` as in `ResourceMetrics`).
pub mod resource_spans {
    pub const RESOURCE: u8 = 1;
    pub const SCOPE_SPANS: u8 = 2;
}

/// `ScopeSpans`.
pub mod scope_spans {
    pub const SCOPE: u8 = 1;
    pub const SPANS: u8 = 2;
}

/// `Span`.
pub mod span {
    pub const TRACE_ID: u8 = 1;
    pub const SPAN_ID: u8 = 2;
    pub const PARENT_SPAN_ID: u8 = 4;
    pub const NAME: u8 = 5;
    pub const KIND: u8 = 6;
    pub const START_TIME: u8 = 7;
    pub const END_TIME: u8 = 8;
    pub const ATTRIBUTES: u8 = 9;
    pub const EVENTS: u8 = 11;
    pub const STATUS: u8 = 15;
}

/// `Span.Event`.
pub mod event {
    pub const TIME: u8 = 1;
    pub const NAME: u8 = 2;
    pub const ATTRIBUTES: u8 = 3;
}

/// `Status`.
pub mod status {
    pub const MESSAGE: u8 = 2;
    pub const CODE: u8 = 3;
    /// `STATUS_CODE_ERROR`.
    pub const ERROR: u64 = 2;
}

/// `ExportLogsServiceRequest` (and `LogsData`).
pub mod logs_request {
    pub const RESOURCE_LOGS: u8 = 1;
}

/// `ResourceLogs`.
pub mod resource_logs {
    pub const RESOURCE: u8 = 1;
    pub const SCOPE_LOGS: u8 = 2;
}

/// `ScopeLogs`.
pub mod scope_logs {
    pub const SCOPE: u8 = 1;
    pub const LOG_RECORDS: u8 = 2;
}

/// `LogRecord`.
pub mod log_record {
    pub const TIME: u8 = 1;
    pub const SEVERITY_NUMBER: u8 = 2;
    pub const SEVERITY_TEXT: u8 = 3;
    pub const BODY: u8 = 5;
    pub const ATTRIBUTES: u8 = 6;
    pub const TRACE_ID: u8 = 9;
    pub const SPAN_ID: u8 = 10;
    pub const OBSERVED_TIME: u8 = 11;
}
