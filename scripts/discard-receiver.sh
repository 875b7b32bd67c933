# Sourced by the whole-process benchmarks: builds flutter-bin and the
# discarding receiver (flutter-bin's `discard` example), starts the receiver
# on a free port (gRPC with `discard_receiver grpc`), and sets `bin`, `work`
# (a scratch directory) and `port`; both go when the script exits.
# FLUTTER_BIN=path runs another build (another revision's, side by side).
discard_receiver() {
  cargo build --release -q -p flutter-bin --bin flutter-bin --example discard
  bin=${FLUTTER_BIN:-target/release/flutter-bin}
  work=$(mktemp -d)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  target/release/examples/discard "$port" ${1:-} 2>/dev/null &
  rx_pid=$!
  trap 'kill $rx_pid 2>/dev/null; wait $rx_pid 2>/dev/null; rm -rf "$work"' EXIT
  until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()" 2>/dev/null; do sleep 0.1; done
}
