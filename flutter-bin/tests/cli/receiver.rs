//! A scripted OTLP/HTTP receiver on 127.0.0.1 for fault tests: answers each
//! request with the next scripted reply, records what it got, counts connections.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use prost::Message;

/// One scripted answer.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A status with extra headers and a body.
    Status(u16, Vec<(&'static str, String)>, Vec<u8>),
    /// Read the request, then answer nothing for this long, then close.
    Stall(Duration),
    /// Answer 200 after this long.
    Slow(Duration),
}

impl Reply {
    pub fn ok() -> Reply {
        Reply::Status(200, vec![], vec![])
    }
    pub fn status(code: u16) -> Reply {
        Reply::Status(code, vec![], format!("status {code} from the test receiver").into_bytes())
    }
}

/// A request as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub at: Instant,
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// The body as sent (possibly gzip).
    pub raw: Vec<u8>,
    /// The body after `Content-Encoding` was undone.
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn decode_logs(&self) -> opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest {
        Message::decode(self.body.as_slice()).expect("a valid OTLP logs request")
    }

    pub fn decode_traces(&self) -> opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest {
        Message::decode(self.body.as_slice()).expect("a valid OTLP trace request")
    }

    pub fn decode(&self) -> ExportMetricsServiceRequest {
        ExportMetricsServiceRequest::decode(self.body.as_slice()).expect("a valid OTLP request")
    }

    /// `(metric name, time)` of every number data point, in order.
    pub fn point_times(&self) -> Vec<(String, u64)> {
        use opentelemetry_proto::tonic::metrics::v1::metric::Data;
        let req = self.decode();
        let metrics = req.resource_metrics.iter().flat_map(|r| &r.scope_metrics).flat_map(|s| &s.metrics);
        metrics
            .flat_map(|m| match &m.data {
                Some(Data::Gauge(g)) => g.data_points.iter().map(|p| (m.name.clone(), p.time_unix_nano)).collect(),
                Some(Data::Sum(s)) => s.data_points.iter().map(|p| (m.name.clone(), p.time_unix_nano)).collect(),
                _ => Vec::new(),
            })
            .collect()
    }

    /// Data points in the request.
    pub fn points(&self) -> usize {
        points_in(&self.decode())
    }
}

/// Data points of every kind in a request.
pub fn points_in(req: &ExportMetricsServiceRequest) -> usize {
    use opentelemetry_proto::tonic::metrics::v1::metric::Data;
    let metrics = req.resource_metrics.iter().flat_map(|r| &r.scope_metrics).flat_map(|s| &s.metrics);
    metrics
        .map(|m| match &m.data {
            Some(Data::Gauge(g)) => g.data_points.len(),
            Some(Data::Sum(s)) => s.data_points.len(),
            Some(Data::Histogram(h)) => h.data_points.len(),
            Some(Data::ExponentialHistogram(e)) => e.data_points.len(),
            Some(Data::Summary(s)) => s.data_points.len(),
            None => 0,
        })
        .sum()
}

#[derive(Default)]
struct Log {
    script: Vec<Reply>,
    requests: Vec<Received>,
    connections: usize,
    /// Requests read and not yet answered, now and at the most.
    in_flight: usize,
    most_in_flight: usize,
}

/// The receiver; it stops accepting when dropped.
pub struct Receiver {
    pub addr: SocketAddr,
    log: Arc<Mutex<Log>>,
}

impl Receiver {
    /// Listens on a free port; `script` answers the first requests, then 200.
    pub fn start(script: Vec<Reply>) -> Receiver {
        Self::start_on(TcpListener::bind("127.0.0.1:0").expect("bind"), script)
    }

    /// Listens with an existing listener.
    pub fn start_on(listener: TcpListener, script: Vec<Reply>) -> Receiver {
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Log { script, ..Log::default() }));
        let shared = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                shared.lock().unwrap().connections += 1;
                let shared = shared.clone();
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        Receiver { addr, log }
    }

    /// The base URL to give flutter as its endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Received> {
        self.log.lock().unwrap().requests.clone()
    }

    pub fn connections(&self) -> usize {
        self.log.lock().unwrap().connections
    }

    /// The most requests it held unanswered at once.
    pub fn most_in_flight(&self) -> usize {
        self.log.lock().unwrap().most_in_flight
    }
}

fn serve(stream: TcpStream, log: &Mutex<Log>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split(' ').nth(1).unwrap_or("").to_owned();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((n, v)) = h.split_once(':') {
                headers.push((n.trim().to_owned(), v.trim().to_owned()));
            }
        }
        let get = |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
        let len: usize = get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        let mut raw = vec![0u8; len];
        if reader.read_exact(&mut raw).is_err() {
            return;
        }
        let body = if get("content-encoding").as_deref() == Some("gzip") {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(raw.as_slice()).read_to_end(&mut out).expect("valid gzip");
            out
        } else {
            raw.clone()
        };
        let reply = {
            let mut log = log.lock().unwrap();
            log.requests.push(Received { at: Instant::now(), path, headers, raw, body });
            log.in_flight += 1;
            log.most_in_flight = log.most_in_flight.max(log.in_flight);
            if log.script.is_empty() { Reply::ok() } else { log.script.remove(0) }
        };
        let reply = match reply {
            Reply::Slow(d) => {
                std::thread::sleep(d);
                Reply::ok()
            }
            other => other,
        };
        log.lock().unwrap().in_flight -= 1;
        match reply {
            Reply::Slow(_) => unreachable!("answered above"),
            Reply::Stall(d) => {
                std::thread::sleep(d);
                return;
            }
            Reply::Status(code, extra, body) => {
                let mut head = format!("HTTP/1.1 {code} Test\r\nContent-Length: {}\r\n", body.len());
                for (n, v) in extra {
                    head.push_str(&format!("{n}: {v}\r\n"));
                }
                head.push_str("\r\n");
                if writer.write_all(head.as_bytes()).and_then(|()| writer.write_all(&body)).is_err() {
                    return;
                }
            }
        }
    }
}
