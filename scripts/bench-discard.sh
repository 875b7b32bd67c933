#!/usr/bin/env bash
# Whole-process figure: `flutter-bin --fast` generating, encoding and sending
# one metric of SERIES series (a set, `host-{…}`) for SECONDS at 10 s into a
# receiver that discards everything (flutter-bin's `discard` example), so
# the figure is flutter's own: points per second of wall time and per CPU
# second, and peak memory.
#
#   bash scripts/bench-discard.sh [SERIES] [SECONDS] [otlp|gzip|grpc|remote-write] [CONNECTIONS]
#   bash scripts/bench-discard.sh 1000000 60 otlp 1
set -euo pipefail
cd "$(dirname "$0")/.."
series="${1:-1000000}"
seconds="${2:-60}"
wire="${3:-otlp}"
connections="${4:-1}"

source scripts/discard-receiver.sh
mode=""
[[ "$wire" == grpc ]] && mode=grpc
discard_receiver $mode

digits=${#series}
last=$(printf "%0${digits}d" $(( series - 1 )))
compression=""
[[ "$wire" == gzip ]] && compression="  compression: gzip"
[[ "$wire" == grpc ]] && compression="  protocol: grpc"
cat > "$work/fleet.yaml" <<YAML
duration: ${seconds}s
seed: 1
wallclockStart: 2026-01-01T00:00:00Z
otlpDestination:
  endpoint: http://127.0.0.1:$port
  connections: $connections
$compression
script:
  - {type: metricEmitter, name: w, spec: {type: randomWalk, stepSize: 1, variation: 5}}
  - type: metric
    name: hosts
    spec:
      type: gauge
      name: system.cpu.utilization
      emitters: [w]
      attributes: {resource: {service.name: fleet}, datapoint: {host: 'host-{$(printf "%0${digits}d" 0)..$last}'}}
YAML
args=(--fast "$work/fleet.yaml")
[[ "$wire" == remote-write ]] && args+=(--remote-write "http://127.0.0.1:$port/api/v1/write" --connections "$connections")
/usr/bin/time -f "%e %U %S %M" -o "$work/time" "$bin" "${args[@]}" 2> "$work/err" || { cat "$work/err"; exit 1; }
read -r wall user sys rss < "$work/time"
summary=$(grep -E "points generated" "$work/err")
points=$(echo "$summary" | sed -E 's/^flutter: ([0-9]+) points generated.*/\1/')
python3 - "$points" "$wall" "$user" "$sys" "$rss" "$series" "$seconds" "$wire" "$connections" <<'PY'
import sys
points, wall, user, sys_, rss, series, seconds, wire, conns = sys.argv[1:]
points, wall, cpu = int(points), float(wall), float(user) + float(sys_)
print(f"{series} series x {int(seconds)//10} points ({points} points), {wire}, {conns} connection(s): "
      f"{wall:.2f} s wall, {cpu:.2f} CPU-s; {points/wall/1e6:.2f} M points/s, {points/cpu/1e6:.2f} M points per CPU-s; "
      f"peak RSS {int(rss)//1024} MiB")
PY
echo "$summary"
