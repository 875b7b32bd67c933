#!/usr/bin/env bash
# Whole-process figure: a real-time run (not --fast) of one metric of SERIES
# series at 10 s into a local VictoriaMetrics for SECONDS. Prints flutter's
# pacing (worst tick lateness), its peak RSS and CPU, VictoriaMetrics' CPU,
# and how many of the points VictoriaMetrics stored.
#
#   bash scripts/bench-vm-realtime.sh [SERIES] [SECONDS] [CONNECTIONS] [datapoint|resource]
#   bash scripts/bench-vm-realtime.sh 1000000 120 2
#
# The series differ by a data point attribute `host`, or with `resource` by a
# resource attribute `host.name` (each series is then its own OTLP resource).
#
# VictoriaMetrics comes from scripts/provision-test-deps.
set -euo pipefail
cd "$(dirname "$0")/.."
series="${1:-1000000}"
seconds="${2:-120}"
connections="${3:-2}"
level="${4:-datapoint}"

source scripts/vm-for-bench.sh

last=$(printf "%0${#series}d" $(( series - 1 )))
first=$(printf "%0${#series}d" 0)
case "$level" in
  datapoint) attributes="{resource: {service.name: fleet}, datapoint: {host: 'host-{$first..$last}'}}" ;;
  resource) attributes="{resource: {service.name: fleet, host.name: 'host-{$first..$last}'}}" ;;
  *) echo "level: datapoint or resource, not $level" >&2; exit 2 ;;
esac
cat > "$work/fleet.yaml" <<YAML
duration: ${seconds}s
seed: 1
otlpDestination: {endpoint: http://127.0.0.1:$port/opentelemetry, connections: $connections}
script:
  - {type: metricEmitter, name: w, spec: {type: randomWalk, stepSize: 1, variation: 5}}
  - type: metric
    name: hosts
    spec:
      type: gauge
      name: fleet.cpu
      frequency: 10s
      emitters: [w]
      attributes: $attributes
YAML
points=$(( series * (seconds / 10) ))

vm_before=$(cpu_ticks "$vm_pid")
/usr/bin/time -f '%e %U %S %M' -o "$work/time" "$bin" "$work/fleet.yaml" 2> "$work/stderr" || { cat "$work/stderr"; exit 1; }
curl -sf "http://127.0.0.1:$port/internal/force_flush" >/dev/null
sleep 2
vm_after=$(cpu_ticks "$vm_pid")
read -r wall user sys rss < "$work/time"
stored=$(curl -sf "http://127.0.0.1:$port/api/v1/query" --data-urlencode "query=sum(count_over_time(fleet.cpu[$(( seconds + 600 ))s]))" \
  | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
grep -E "pacing|points generated|delivered" "$work/stderr" || true
python3 - "$wall" "$user" "$sys" "$rss" "$vm_before" "$vm_after" "$hz" "$stored" "$points" "$series" <<'PY'
import sys
wall, user, sys_, rss, vb, va, hz, stored, points, series = sys.argv[1:]
cpu = float(user) + float(sys_)
vm_cpu = (int(va) - int(vb)) / int(hz)
print(f"{int(series)} series at 10 s for {float(wall):.0f} s wall: flutter peak RSS {int(rss) // 1024} MiB "
      f"({int(rss) * 1024 / int(series):.0f} bytes/series), CPU {cpu:.1f} s; VictoriaMetrics CPU {vm_cpu:.1f} s "
      f"(flutter {cpu / vm_cpu * 100:.1f} % of it); VictoriaMetrics stored {stored} of {points} points")
PY
