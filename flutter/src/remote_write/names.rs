//! OTLP names → Prometheus names, as Prometheus' own OTLP translation makes
//! them (2.53, suffixes on): metric names from the name's letters and digits
//! plus a unit suffix, `_total` on monotonic sums and `_ratio` on gauges of
//! unit `1`; label names with every other character an underscore.

/// What decides a metric name's suffixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// A gauge (a unit of `1` adds `_ratio`).
    Gauge,
    /// A monotonic sum (`_total`).
    Counter,
    /// Anything else (non-monotonic sums, histograms).
    Other,
}

/// OTLP units and the words Prometheus names them by.
const UNITS: &[(&str, &str)] = &[
    ("d", "days"),
    ("h", "hours"),
    ("min", "minutes"),
    ("s", "seconds"),
    ("ms", "milliseconds"),
    ("us", "microseconds"),
    ("ns", "nanoseconds"),
    ("By", "bytes"),
    ("KiBy", "kibibytes"),
    ("MiBy", "mebibytes"),
    ("GiBy", "gibibytes"),
    ("TiBy", "tibibytes"),
    ("KBy", "kilobytes"),
    ("MBy", "megabytes"),
    ("GBy", "gigabytes"),
    ("TBy", "terabytes"),
    ("m", "meters"),
    ("V", "volts"),
    ("A", "amperes"),
    ("J", "joules"),
    ("W", "watts"),
    ("g", "grams"),
    ("Cel", "celsius"),
    ("Hz", "hertz"),
    ("1", ""),
    ("%", "percent"),
];

/// The denominators of `a/b` units.
const PER_UNITS: &[(&str, &str)] =
    &[("s", "second"), ("m", "minute"), ("h", "hour"), ("d", "day"), ("w", "week"), ("mo", "month"), ("y", "year")];

fn lookup(table: &[(&str, &'static str)], unit: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == unit).map(|(_, v)| *v)
}

/// The runs of letters and digits of `s`.
fn tokens(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty())
}

/// `s`'s runs of letters and digits joined by underscores.
fn clean(s: &str) -> String {
    tokens(s).collect::<Vec<_>>().join("_")
}

/// A metric's Prometheus name: `http.server.duration` in `ms` is
/// `http_server_duration_milliseconds`, a counter `http.requests` is
/// `http_requests_total`.
pub fn metric_name(name: &str, unit: &str, kind: NameKind) -> String {
    let mut parts: Vec<String> = tokens(name).map(str::to_owned).collect();
    let mut units = unit.splitn(2, '/');
    let main = units.next().unwrap_or("").trim();
    if !main.is_empty() && !main.contains(['{', '}']) {
        let word = clean(lookup(UNITS, main).unwrap_or(main));
        if !word.is_empty() && !parts.contains(&word) {
            parts.push(word);
        }
    }
    if let Some(per) = units.next().map(str::trim)
        && !per.is_empty()
        && !per.contains(['{', '}'])
    {
        let word = clean(lookup(PER_UNITS, per).unwrap_or(per));
        if !word.is_empty() && !parts.contains(&word) {
            parts.push("per".to_owned());
            parts.push(word);
        }
    }
    let suffix = match kind {
        NameKind::Counter => Some("total"),
        NameKind::Gauge if unit == "1" => Some("ratio"),
        NameKind::Gauge | NameKind::Other => None,
    };
    if let Some(suffix) = suffix {
        parts.retain(|p| p != suffix);
        parts.push(suffix.to_owned());
    }
    let joined = parts.join("_");
    if joined.starts_with(|c: char| c.is_ascii_digit()) { format!("_{joined}") } else { joined }
}

/// An attribute key's label name: every character but ASCII letters, digits
/// and `_` an underscore; `key_` before a leading digit, `key` before a
/// single leading underscore.
pub fn label_name(key: &str) -> String {
    let sanitized: String = key.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if sanitized.starts_with(|c: char| c.is_ascii_digit()) {
        format!("key_{sanitized}")
    } else if sanitized.starts_with('_') && !sanitized.starts_with("__") {
        format!("key{sanitized}")
    } else {
        sanitized
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_prometheus_translation() {
        let cases = [
            ("http.server.duration", "ms", NameKind::Other, "http_server_duration_milliseconds"),
            ("http.requests", "", NameKind::Counter, "http_requests_total"),
            ("requests.total", "", NameKind::Counter, "requests_total"),
            ("system.cpu.utilization", "1", NameKind::Gauge, "system_cpu_utilization_ratio"),
            ("system.cpu.utilization", "1", NameKind::Counter, "system_cpu_utilization_total"),
            ("queue.size", "{items}", NameKind::Gauge, "queue_size"),
            ("net.io", "By/s", NameKind::Counter, "net_io_bytes_per_second_total"),
            ("latency.seconds", "s", NameKind::Gauge, "latency_seconds"),
            ("pod.cpu.usage", "%", NameKind::Gauge, "pod_cpu_usage_percent"),
            ("9lives", "", NameKind::Gauge, "_9lives"),
            ("a__b--c", "widgets", NameKind::Gauge, "a_b_c_widgets"),
        ];
        for (name, unit, kind, want) in cases {
            assert_eq!(metric_name(name, unit, kind), want, "{name} {unit} {kind:?}");
        }
        for (key, want) in [
            ("service.name", "service_name"),
            ("http.route", "http_route"),
            ("1st", "key_1st"),
            ("_x", "key_x"),
            ("__y", "__y"),
            ("é", "key_"),
        ] {
            assert_eq!(label_name(key), want, "{key}");
        }
    }
}
