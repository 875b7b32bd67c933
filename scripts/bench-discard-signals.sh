#!/usr/bin/env bash
# Whole-process figure for traces and logs: `flutter-bin --fast` generating,
# encoding and sending RATE checkout traces a second (five spans each, as in
# `cargo bench --bench signals`) and RATE log records a second for SECONDS
# into a receiver that discards everything (flutter-bin's `discard` example):
# spans and records per second of wall time and per CPU second, peak memory.
#
#   bash scripts/bench-discard-signals.sh [RATE] [SECONDS]
#   bash scripts/bench-discard-signals.sh 20000 60
set -euo pipefail
cd "$(dirname "$0")/.."
rate="${1:-20000}"
seconds="${2:-60}"

source scripts/discard-receiver.sh
discard_receiver

cat > "$work/signals.yaml" <<YAML
duration: ${seconds}s
seed: 1
wallclockStart: 2026-01-01T00:00:00Z
otlpDestination: {endpoint: http://127.0.0.1:$port}
script:
  - {type: metricEmitter, name: db-ms, spec: {type: constant, value: 3}}
  - type: trace
    name: checkout
    spec:
      rate: $rate
      resource: {service.name: frontend, service.instance.id: "frontend-{0..9}"}
      root:
        name: POST /checkout
        kind: server
        duration: 5ms
        attributes: {http.request.method: POST, http.route: /checkout, http.response.status_code: 200}
        children:
          - {name: GetCart, kind: client, duration: 1ms, attributes: {rpc.system: grpc}}
          - name: PlaceOrder
            kind: client
            duration: 2ms
            resource: {service.name: checkout}
            children:
              - {name: INSERT orders, kind: client, attributes: {db.system: postgresql}, duration: {emitters: [db-ms], unit: ms, distribution: {type: lognormal, sigma: 0.4}}}
              - {name: Charge, kind: client, duration: 4ms, error: 0.01, attributes: {peer.service: payments}}
  - type: log
    name: payments
    spec:
      rate: $rate
      resource: {service.name: payments}
      severity: {INFO: 0.9, WARN: 0.08, ERROR: 0.02}
      body: "payment {payment.id} took {db-ms} ms"
      attributes: {payment.id: "pay-{0..99999}", payment.method: card}
YAML
/usr/bin/time -f "%e %U %S %M" -o "$work/time" "$bin" --fast "$work/signals.yaml" 2> "$work/err" || { cat "$work/err"; exit 1; }
read -r wall user sys rss < "$work/time"
spans=$(grep -E "spans generated" "$work/err" | sed -E 's/^flutter: ([0-9]+) spans generated.*/\1/')
records=$(grep -E "log records generated" "$work/err" | sed -E 's/^flutter: ([0-9]+) log records generated.*/\1/')
python3 - "$spans" "$records" "$wall" "$user" "$sys" "$rss" <<'PY'
import sys
spans, records, wall, user, sys_, rss = sys.argv[1:]
spans, records, wall, cpu = int(spans), int(records), float(wall), float(user) + float(sys_)
print(f"{spans} spans and {records} log records: {wall:.2f} s wall, {cpu:.2f} CPU-s; "
      f"{(spans + records)/wall/1e6:.2f} M items/s, {(spans + records)/cpu/1e6:.2f} M items per CPU-s; peak RSS {int(rss)//1024} MiB")
PY
grep -E "generated" "$work/err"
