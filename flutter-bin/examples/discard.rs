//! A receiver that answers every HTTP POST with 200 and keeps nothing: the
//! other end of whole-process throughput measurements (`scripts/bench-discard.sh`),
//! so that what is measured is flutter, not a backend.
//!
//! `cargo run --release -p flutter-bin --example discard -- PORT`

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

fn main() {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(4318);
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind 127.0.0.1:PORT");
    eprintln!("discard: listening on 127.0.0.1:{port}");
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || serve(stream));
    }
}

/// Reads requests on one keep-alive connection until it closes.
fn serve(stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone().expect("clone the stream");
    let mut reader = BufReader::with_capacity(1 << 20, stream);
    let mut line = String::new();
    let mut body = vec![0u8; 1 << 16];
    loop {
        let mut length = 0usize;
        // The request line and headers, up to the empty line.
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            if let Some((name, value)) = trimmed.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        while length > 0 {
            let n = length.min(body.len());
            if reader.read_exact(&mut body[..n]).is_err() {
                return;
            }
            length -= n;
        }
        if writer.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").is_err() {
            return;
        }
    }
}
