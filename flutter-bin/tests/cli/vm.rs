//! A real VictoriaMetrics, started for a test on a free port with a scratch
//! directory, and read back through its export API.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{TempDir, http_agent, http_get, test_dep};

/// A running VictoriaMetrics; killed when dropped.
pub struct VictoriaMetrics {
    child: Child,
    pub port: u16,
    _data: TempDir,
}

/// The VictoriaMetrics binary `scripts/provision-test-deps` installed.
fn binary() -> PathBuf {
    test_dep("victoria-metrics/usr/bin/victoria-metrics")
}

/// Series as VictoriaMetrics stores them: labels, then (ms, value) pairs; a
/// staleness marker has no value.
pub type Series = BTreeMap<BTreeMap<String, String>, Vec<(i64, Option<f64>)>>;

impl VictoriaMetrics {
    pub fn start() -> VictoriaMetrics {
        let binary = binary();
        assert!(
            binary.exists(),
            "VictoriaMetrics is needed for these tests and {} is missing: run `bash scripts/provision-test-deps` \
             (or the README's test command, `bash scripts/test`)",
            binary.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let data = TempDir::new("vm");
        let child = Command::new(&binary)
            .args([
                format!("-httpListenAddr=127.0.0.1:{port}"),
                format!("-storageDataPath={}", data.path().display()),
                "-retentionPeriod=100y".into(),
                "-search.latencyOffset=0s".into(),
                "-loggerLevel=WARN".into(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start VictoriaMetrics");
        let vm = VictoriaMetrics { child, port, _data: data };
        let started = Instant::now();
        while vm.get("/health").as_deref() != Some("OK") {
            assert!(started.elapsed() < Duration::from_secs(60), "VictoriaMetrics did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        vm
    }

    /// The base URL flutter sends OTLP to.
    pub fn otlp_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/opentelemetry", self.port)
    }

    fn get(&self, path: &str) -> Option<String> {
        http_get(self.port, path)
    }

    /// Where remote write goes.
    pub fn remote_write_url(&self) -> String {
        format!("http://127.0.0.1:{}/api/v1/write", self.port)
    }

    /// A PromQL instant query at `at_ms`: the result vector's (labels, value) pairs.
    pub fn query(&self, promql: &str, at_ms: i64) -> Vec<(BTreeMap<String, String>, f64)> {
        self.get("/internal/force_flush").expect("force_flush");
        let url = format!("http://127.0.0.1:{}/api/v1/query", self.port);
        let form = [("query", promql.to_owned()), ("time", format!("{:.3}", at_ms as f64 / 1000.0))];
        let mut resp = http_agent().post(&url).send_form(form).expect("query");
        let v: serde_json::Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
        assert_eq!(v["status"], "success", "{v}");
        let labels = |m: &serde_json::Value| {
            m.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect()
        };
        let value = |r: &serde_json::Value| r["value"][1].as_str().unwrap().parse::<f64>().unwrap();
        v["data"]["result"].as_array().unwrap().iter().map(|r| (labels(&r["metric"]), value(r))).collect()
    }

    /// Every sample stored with a timestamp in `[from_ms, to_ms]`.
    pub fn export(&self, from_ms: i64, to_ms: i64) -> Series {
        self.get("/internal/force_flush").expect("force_flush");
        let url = format!("http://127.0.0.1:{}/api/v1/export", self.port);
        let form = [
            ("match[]", "{__name__!=\"\"}".to_owned()),
            ("start", format!("{:.3}", from_ms as f64 / 1000.0)),
            ("end", format!("{:.3}", to_ms as f64 / 1000.0)),
        ];
        let mut resp = http_agent().post(&url).send_form(form).expect("export");
        let text = resp.body_mut().with_config().limit(1 << 30).read_to_string().expect("export body");
        let mut out = Series::new();
        for line in text.lines().filter(|l| !l.is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).expect("export line is JSON");
            let labels = v["metric"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect();
            let values = v["values"].as_array().unwrap().iter().map(serde_json::Value::as_f64);
            let times = v["timestamps"].as_array().unwrap().iter().map(|t| t.as_i64().unwrap());
            let points: &mut Vec<(i64, Option<f64>)> = out.entry(labels).or_default();
            points.extend(times.zip(values));
            points.sort_by_key(|(t, _)| *t);
        }
        out
    }
}

impl Drop for VictoriaMetrics {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
