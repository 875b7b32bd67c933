# Sourced by the VictoriaMetrics benchmarks: builds flutter-bin (release),
# provisions and starts a VictoriaMetrics on a free port with a temporary
# data directory, and stops it on exit. Sets bin, work, port, vm_pid,
# cpu_ticks (a process's user + system ticks) and hz.
# FLUTTER_BIN=path runs another build (side by side with this one).
cargo build --release -q -p flutter-bin
bin="${FLUTTER_BIN:-target/release/flutter-bin}"
bash scripts/provision-test-deps >/dev/null
vm_bin="${FLUTTER_TEST_DEPS:-target/test-deps}/victoria-metrics/usr/bin/victoria-metrics"

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$vm_bin" -httpListenAddr="127.0.0.1:$port" -storageDataPath="$work/vm" -retentionPeriod=100y \
  -search.latencyOffset=0s -search.maxUniqueTimeseries=0 -loggerLevel=WARN >/dev/null 2>&1 &
vm_pid=$!
trap 'kill $vm_pid 2>/dev/null; wait $vm_pid 2>/dev/null; rm -rf "$work"' EXIT
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.1; done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
