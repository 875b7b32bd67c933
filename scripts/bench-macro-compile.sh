#!/usr/bin/env bash
# What `include_scenario!` adds to a build: a crate embedding a generated
# 2,000-action scenario against the same crate embedding a 1-action one.
# Dependencies are built first; each figure is the median of 5 builds of the
# crate alone after an edit of the YAML:
# * cold: with the crate's incremental cache removed (the worst case: a fresh
#   checkout, CI);
# * one edit: one action's value changed, incremental cache kept (what a
#   developer editing a fixture sees).
#
# Two generated shapes: "fleet" (400 emitters, 1,600 metrics with three
# attributes each) and "timeline" (20 metrics, 1,980 emitter reconfigurations).
#
#   bash scripts/bench-macro-compile.sh             # Cargo's default profiles
#   bash scripts/bench-macro-compile.sh opt-macros  # proc macros built optimised
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
dir="$root/target/macro-cost"
mkdir -p "$dir/src"
cat > "$dir/Cargo.toml" <<TOML
[package]
name = "macro-cost"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
flutter = { path = "$root/flutter", default-features = false }
flutter-macros = { path = "$root/flutter-macros" }

[workspace]
TOML
if [ "${1:-}" = opt-macros ]; then
  printf '\n[profile.dev.build-override]\nopt-level = 3\n' >> "$dir/Cargo.toml"
fi
cp Cargo.lock "$dir/Cargo.lock"

# fleet: 400 emitters (constant, ramp, randomWalk) and 1,600 metrics with attributes.
{
  echo "duration: 1h"
  echo "seed: 1"
  echo "script:"
  echo "  - {type: metricEmitter, name: first, spec: {type: constant, value: 0}}"
  for i in $(seq 1 399); do
    case $((i % 3)) in
      0) echo "  - {type: metricEmitter, name: e$i, spec: {type: constant, value: $i.5}}" ;;
      1) echo "  - {type: metricEmitter, name: e$i, spec: {type: ramp, start: 0, target: $i, duration: 10m}}" ;;
      2) echo "  - {type: metricEmitter, name: e$i, spec: {type: randomWalk, stepSize: 1, elasticity: 0.2, variation: 5}}" ;;
    esac
  done
  for i in $(seq 0 1599); do
    echo "  - {type: metric, name: m$i, spec: {type: gauge, name: svc.metric, frequency: 10s, emitters: [e$((i % 399 + 1)), e$(((i + 1) % 399 + 1))], attributes: {resource: {service.name: s$((i % 50))}, datapoint: {series: $i, zone: z$((i % 3))}}}}"
  done
} > "$dir/fleet.yaml"
# timeline: 20 metrics fed by one ramp each, reconfigured 99 times over a day.
{
  echo "duration: 24h"
  echo "seed: 1"
  echo "script:"
  echo "  - {type: metricEmitter, name: first, spec: {type: constant, value: 0}}"
  for m in $(seq 0 19); do
    echo "  - {type: metricEmitter, name: load$m, spec: {type: ramp, start: 0, target: 10, duration: 5m}}"
  done
  for m in $(seq 0 19); do
    echo "  - {type: metric, name: m$m, spec: {type: gauge, name: load, emitters: [load$m], attributes: {datapoint: {shard: $m}}}}"
  done
  for step in $(seq 1 98); do
    for m in $(seq 0 19); do
      echo "  - {type: metricEmitter, at: $((step * 14))m, name: load$m, spec: {target: $(((step * 7 + m * 13) % 100)), duration: 10m}}"
    done
  done
} > "$dir/timeline.yaml"
printf 'seed: 0\nscript:\n  - {type: metricEmitter, name: first, spec: {type: constant, value: 0}}\n' > "$dir/small.yaml"

measure() { # profile file mode(cold|edit) -> median seconds of 5 builds of the crate
  local profile=$1 file=$2 mode=$3 times=()
  local out=debug
  [ "$profile" = "--release" ] && out=release
  printf 'static S: flutter::Scenario<'"'"'static> = flutter_macros::include_scenario!("../%s");\nfn main() { println!("{}", S.script.len()); }\n' "$file" > "$dir/src/main.rs"
  (cd "$dir" && cargo build -q --offline $profile)
  for n in 1 2 3 4 5; do
    sed -i "s/name: first, spec: {type: constant, value: [0-9]*}/name: first, spec: {type: constant, value: $n}/" "$dir/$file"
    [ "$mode" = cold ] && rm -rf "$dir/target/$out/incremental"
    local t0 t1
    t0=$(date +%s.%N)
    (cd "$dir" && cargo build -q --offline $profile)
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 3p
}

profiles=("" "--release")
[ "${1:-}" = opt-macros ] && profiles=("")
for profile in "${profiles[@]}"; do
  name=${profile:-"--debug"}
  for mode in cold edit; do
    small=$(measure "$profile" small.yaml $mode)
    for shape in fleet timeline; do
      big=$(measure "$profile" "$shape.yaml" $mode)
      printf '%-8s %-5s %-9s 1 action: %.2fs   2,000 actions: %.2fs   added: %.2fs\n' \
        "${name#--}" "$mode" "$shape" "$small" "$big" "$(echo "$big - $small" | bc)"
    done
  done
done
