#!/usr/bin/env bash
# Issue 14: the training runs of proofs-notes/TRAIN.md §7 (from the repository root, after
# `mvn -B -o package -DskipTests`). Each run prints its summary; /usr/bin/time -v adds wall,
# CPU and peak memory; uptime gives the machine's load.
set -euo pipefail
OUT=${OUT:-/tmp/train-meas}
mkdir -p "$OUT"
run() {
  local name=$1; shift
  uptime
  /usr/bin/time -v java -jar target/lora-limits.jar train "$@" --progress never --out "$OUT/$name" 2> "$OUT/$name.time" | tee "$OUT/$name.out"
  grep -E 'Elapsed|User time|System time|Maximum resident' "$OUT/$name.time"
}
run teacher --task teacher --steps 200
run large --task large --steps 200
run large-control --task large --steps 200 --norm-control 0.2
run teacher-exact --task teacher --steps 200 --method exact
# the same task at L = 8192, where an exact step costs more against a fast one
run large-8192 --task large --steps 200 --length 8192
run large-8192-control --task large --steps 200 --length 8192 --norm-control 0.2
run large-8192-control-015 --task large --steps 200 --length 8192 --norm-control 0.15
run large-8192-control-02-eps1e-5 --task large --steps 200 --length 8192 --norm-control 0.2 --epsilon 1e-5
