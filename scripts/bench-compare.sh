#!/usr/bin/env bash
# Before/after in one run: builds the criterion benchmarks of a git revision
# (in a worktree under target/bench-base) and of the working tree, then runs
# them alternately, ROUNDS times each, and prints every benchmark's throughput
# side by side. The machine is shared and noisy: compare within one run only.
#
#   bash scripts/bench-compare.sh REV [ROUNDS] [FILTER]
#   bash scripts/bench-compare.sh 4023d7c 2 dry_run
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${1:?usage: bench-compare.sh REV [ROUNDS] [FILTER]}"; rounds="${2:-2}"; filter="${3:-}"
base="target/bench-base"
if [[ ! -d "$base" ]]; then git worktree add --detach "$base" "$rev" >/dev/null; fi
git -C "$base" checkout -q --detach "$rev"
# The benchmark executables each build prints ("Executable benches/engine.rs (…)").
executables() { (cd "$1" && cargo bench -p flutter --no-run 2>&1 | sed -n 's/.*Executable benches\/.*(\(.*\))/\1/p'); }
mapfile -t before < <(executables "$base")
mapfile -t after < <(executables .)
out=$(mktemp -d)
for round in $(seq "$rounds"); do
  for i in "${!after[@]}"; do
    for side in before after; do
      if [[ $side == before ]]; then dir=$base; exe=${before[$i]}; else dir=.; exe=${after[$i]}; fi
      (cd "$dir" && "./$exe" --bench --noplot $filter 2>&1) \
        | awk -v side="$side" '/^[a-z0-9_]+\/[^ ]*$/ {name=$1} /thrpt:  \[/ && name != "" {print side, name, $4, $5; name=""}' \
        >> "$out/results"
    done
  done
done
python3 - "$out/results" <<'PY'
import collections, sys
runs = collections.defaultdict(lambda: {"before": [], "after": []})
for line in open(sys.argv[1]):
    side, name, value, unit = line.split()
    scale = {"Kelem/s": 1e-3, "Melem/s": 1, "Gelem/s": 1e3}.get(unit, 1)
    runs[name][side].append(float(value) * scale)
print(f"{'benchmark':60} {'before (M/s)':>16} {'after (M/s)':>16} {'change':>8}")
for name, r in runs.items():
    b, a = max(r["before"], default=0), max(r["after"], default=0)
    change = f"{(a / b - 1) * 100:+.1f}%" if b else ""
    fmt = lambda xs: "/".join(f"{x:.1f}" for x in xs)
    print(f"{name:60} {fmt(r['before']):>16} {fmt(r['after']):>16} {change:>8}")
PY
rm -rf "$out"
