#!/usr/bin/env bash
# Whole-process figure: `flutter-bin --fast` delivering 1,000,000 points into a
# local VictoriaMetrics over one connection. Prints points per second and the
# CPU seconds of flutter and of VictoriaMetrics.
#
#   bash scripts/bench-vm-backfill.sh [none|gzip] [CONNECTIONS] [SECONDS]
#   bash scripts/bench-vm-backfill.sh none 2 86400   # a one-day backfill, 2 connections
#
# 2,000 gauges at 10 s for SECONDS (default 5000: 1,000,000 points).
# VictoriaMetrics comes from scripts/provision-test-deps.
set -euo pipefail
cd "$(dirname "$0")/.."
compression="${1:-none}"
connections="${2:-1}"
seconds="${3:-5000}"
points=$(( 2000 * seconds / 10 ))

source scripts/vm-for-bench.sh

# 2,000 gauges (constant + randomWalk, 3 data point attributes), 500 points each.
{
  echo "duration: ${seconds}s"
  echo "seed: 1"
  echo "wallclockStart: $(date -u -d "@$(( $(date +%s) - seconds - 7200 ))" +%Y-%m-%dT%H:00:00Z)"
  echo "otlpDestination: {endpoint: http://127.0.0.1:$port/opentelemetry, compression: $compression, connections: $connections}"
  echo "script:"
  echo "  - {type: metricEmitter, name: base, spec: {type: constant, value: 50}}"
  echo "  - {type: metricEmitter, name: walk, spec: {type: randomWalk, stepSize: 2, elasticity: 0.1, variation: 20}}"
  for i in $(seq 0 1999); do
    echo "  - {type: metric, name: m$i, spec: {type: gauge, name: bench.gauge, emitters: [base, walk], attributes: {resource: {host.name: h$((i % 20))}, datapoint: {cpu: $((i % 64)), state: user, series: s$i}}}}"
  done
} > "$work/backfill.yaml"

vm_before=$(cpu_ticks "$vm_pid")
/usr/bin/time -f '%e %U %S' -o "$work/time" "$bin" --fast -q "$work/backfill.yaml" 2> "$work/stderr" || { cat "$work/stderr"; exit 1; }
curl -sf "http://127.0.0.1:$port/internal/force_flush" >/dev/null
vm_after=$(cpu_ticks "$vm_pid")
read -r wall user sys < "$work/time"
stored=$(curl -sf "http://127.0.0.1:$port/api/v1/query" --data-urlencode "query=sum(count_over_time(bench.gauge[$(( seconds + 10800 ))s]))" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["result"][0]["value"][1])')
python3 - "$wall" "$user" "$sys" "$vm_before" "$vm_after" "$hz" "$stored" "$compression" "$points" "$connections" <<'PY'
import sys
wall, user, sys_, vb, va, hz, stored, comp, points, conns = sys.argv[1:]
wall, cpu = float(wall), float(user) + float(sys_)
vm_cpu = (int(va) - int(vb)) / int(hz)
points = int(points)
print(f"compression {comp}, {conns} connection(s): {points} points in {wall:.2f}s wall = {points / wall / 1e6:.2f} M points/s")
print(f"flutter CPU {cpu:.2f}s ({cpu / points * 1e6:.2f} µs/point); VictoriaMetrics CPU {vm_cpu:.2f}s ({vm_cpu / points * 1e6:.2f} µs/point)")
print(f"VictoriaMetrics stored {stored} samples")
PY
