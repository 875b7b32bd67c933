//! A real Prometheus (Debian trixie's 2.53) with its remote write receiver,
//! started for a test on a free port with a scratch directory, and read back
//! through its HTTP API.

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{TempDir, http_agent, http_get, test_dep};

/// A running Prometheus; killed when dropped.
pub struct Prometheus {
    child: Child,
    pub port: u16,
    _data: TempDir,
}

/// Labels of a series.
pub type Labels = BTreeMap<String, String>;

impl Prometheus {
    pub fn start() -> Prometheus {
        let binary = test_dep("prometheus/usr/bin/prometheus");
        assert!(
            binary.exists(),
            "Prometheus is needed for these tests and {} is missing: run `bash scripts/provision-test-deps` \
             (or the README's test command, `bash scripts/test`)",
            binary.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let data = TempDir::new("prometheus");
        let config = data.write("prometheus.yml", "scrape_configs: []\n");
        let child = Command::new(&binary)
            .args([
                format!("--config.file={config}"),
                format!("--storage.tsdb.path={}", data.path().join("tsdb").display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
                "--web.enable-remote-write-receiver".into(),
                "--log.level=warn".into(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Prometheus");
        let prometheus = Prometheus { child, port, _data: data };
        let started = Instant::now();
        while !prometheus.get("/-/ready").is_some_and(|body| body.contains("Ready")) {
            assert!(started.elapsed() < Duration::from_secs(60), "Prometheus did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        prometheus
    }

    /// Where remote write goes.
    pub fn remote_write_url(&self) -> String {
        format!("http://127.0.0.1:{}/api/v1/write", self.port)
    }

    fn get(&self, path: &str) -> Option<String> {
        http_get(self.port, path)
    }

    fn api(&self, path: &str, form: &[(&str, String)]) -> serde_json::Value {
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        let mut resp = http_agent().post(&url).send_form(form.iter().map(|(k, v)| (*k, v.as_str()))).expect(path);
        let v: serde_json::Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
        assert_eq!(v["status"], "success", "{v}");
        v["data"].clone()
    }

    /// Every series with a sample in `[from_s, to_s]` (`/api/v1/series`).
    pub fn series(&self, from_s: i64, to_s: i64) -> Vec<Labels> {
        let form =
            [("match[]", "{__name__=~\".+\"}".to_owned()), ("start", from_s.to_string()), ("end", to_s.to_string())];
        let mut out: Vec<Labels> = self.api("/api/v1/series", &form).as_array().unwrap().iter().map(labels).collect();
        out.sort();
        out
    }

    /// `/api/v1/query_range`: each series' (seconds, value) pairs.
    pub fn query_range(&self, promql: &str, from_s: i64, to_s: i64, step_s: i64) -> BTreeMap<Labels, Vec<(i64, f64)>> {
        let form = [
            ("query", promql.to_owned()),
            ("start", from_s.to_string()),
            ("end", to_s.to_string()),
            ("step", step_s.to_string()),
        ];
        let data = self.api("/api/v1/query_range", &form);
        data["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let values = r["values"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| (v[0].as_f64().unwrap() as i64, v[1].as_str().unwrap().parse::<f64>().unwrap()));
                (labels(&r["metric"]), values.collect())
            })
            .collect()
    }
}

fn labels(m: &serde_json::Value) -> Labels {
    m.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect()
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
