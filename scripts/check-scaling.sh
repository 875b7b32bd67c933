#!/usr/bin/env bash
# How `flutter-bin --check` scales with the number of metric actions: generates
# scenarios of 10k, 100k and 1M gauges (one action each, a data point
# attribute each, 1 h at 10 s) in a scratch directory and times the release
# binary's whole process on each (loading the YAML included).
#
#   bash scripts/check-scaling.sh [COUNTS...]
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@")
[[ ${#counts[@]} -gt 0 ]] || counts=(10000 100000 1000000)
cargo build --release -q -p flutter-bin
bin="$PWD/target/release/flutter-bin"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for n in "${counts[@]}"; do
  file="$dir/metrics-$n.yaml"
  {
    printf 'duration: 1h\nscript:\n  - {type: metricEmitter, name: c, spec: {type: constant, value: 1}}\n'
    awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "  - {type: metric, name: m%d, spec: {type: gauge, emitters: [c], attributes: {datapoint: {pod: p%d}}}}\n", i, i }'
  } > "$file"
  start=$(date +%s%N)
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f "%M" -o "$dir/rss" "$bin" --check "$file" > "$dir/out"
    rss="$(( $(cat "$dir/rss") / 1024 )) MiB peak"
  else
    "$bin" --check "$file" > "$dir/out"
    rss="peak memory not measured"
  fi
  end=$(date +%s%N)
  points=$(sed -n 's/^points: \([0-9]*\) .*/\1/p' "$dir/out")
  ms=$(( (end - start) / 1000000 ))
  printf '%8d metric actions (%s MB of YAML): %d.%02d s, %s; %s points planned\n' \
    "$n" "$(( $(stat -c %s "$file") / 1000000 ))" $(( ms / 1000 )) $(( ms % 1000 / 10 )) "$rss" "$points"
done
