//! A receiver that answers every HTTP POST with 200 (or, with `grpc`, every
//! OTLP/gRPC call with OK) and keeps nothing: the other end of whole-process
//! throughput measurements (`scripts/bench-discard.sh`), so that what is
//! measured is flutter, not a backend.
//!
//! `cargo run --release -p flutter-bin --example discard -- PORT [grpc]`

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};

fn main() {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(4318);
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind 127.0.0.1:PORT");
    eprintln!("discard: listening on 127.0.0.1:{port}");
    if std::env::args().nth(2).as_deref() == Some("grpc") {
        return grpc(listener);
    }
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

/// HTTP/2 connections, each call's message read and answered `grpc-status: 0`
/// with an empty response, on one thread.
fn grpc(listener: TcpListener) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    listener.set_nonblocking(true).unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        while let Ok((socket, _)) = listener.accept().await {
            let _ = socket.set_nodelay(true);
            tokio::spawn(async move {
                // Windows as wide as a gRPC server's grow to, so flow control is not what is measured.
                let mut builder = h2::server::Builder::new();
                builder.initial_window_size(1 << 24).initial_connection_window_size(1 << 26).max_frame_size(1 << 20);
                let Ok(mut connection) = builder.handshake(socket).await else { return };
                while let Some(Ok((request, mut respond))) = connection.accept().await {
                    tokio::spawn(async move {
                        let mut body = request.into_body();
                        while let Some(Ok(chunk)) = body.data().await {
                            let _ = body.flow_control().release_capacity(chunk.len());
                        }
                        let response = http::Response::builder().header("content-type", "application/grpc").body(());
                        let Ok(mut stream) = respond.send_response(response.unwrap(), false) else { return };
                        let _ = stream.send_data(bytes::Bytes::from_static(&[0, 0, 0, 0, 0]), false);
                        let mut trailers = http::HeaderMap::new();
                        trailers.insert("grpc-status", http::HeaderValue::from_static("0"));
                        let _ = stream.send_trailers(trailers);
                    });
                }
            });
        }
    });
}
