#!/bin/sh
# exact (ExactDouble, 2 threads) against PyTorch float64 autograd (2 threads) on the same
# BenchInstances instances; proofs-notes/BENCHMARKS.md, "exact vs PyTorch autograd".
#   mvn -B -o -Pbench package -DskipTests && sh src/jmh/python/exact_vs_torch.sh [JAR] [OUT]
# Per point: uptime, the instance written to a file (not timed), the exact method (2 warm-ups,
# 5 timed repeats, wall and process CPU time), torch (2 warm-ups, 5 repeats, same measures), and
# the largest difference between the two results. Peak memory: /usr/bin/time -v on each process.
JAR=${1:-target/benchmarks.jar}
OUT=${2:-/tmp/exact-vs-torch}
PY=${PYTHON:-/usr/bin/python3}
GAMMA=0.5
# BASELINE=jar: also time that jar's ExactDouble (the same harness) on each point
mkdir -p "$OUT"
# wait (at most 90 s) for the 1-minute load average to drop below 2.5; print it either way
waitload() {
  i=0
  while [ $i -lt 9 ] && [ "$(awk '{print ($1 < 2.5)}' /proc/loadavg)" = 0 ]; do sleep 10; i=$((i + 1)); done
  uptime
}
for L in 4096 8192; do
  for d in 4 8; do
    echo "== L=$L d=$d gamma=$GAMMA"
    java -cp "$JAR" dev.loralimits.bench.ExactVsTorch dump $L $d $GAMMA "$OUT/instance-$L-$d.txt"
    if [ -n "$BASELINE" ]; then
      waitload
      java -Xmx1g -cp "$BASELINE" dev.loralimits.bench.ExactVsTorch time $L $d $GAMMA 2 2 5 | sed 's/^exact/baseline/'
    fi
    waitload
    /usr/bin/time -v java -Xmx1g -cp "$JAR" dev.loralimits.bench.ExactVsTorch time $L $d $GAMMA 2 2 5 "$OUT/exact-$L-$d.txt" \
      2> "$OUT/exact-$L-$d.time"
    grep 'Maximum resident' "$OUT/exact-$L-$d.time"
    waitload
    /usr/bin/time -v "$PY" src/jmh/python/torch_autograd.py "$OUT/instance-$L-$d.txt" 2 2 5 "$OUT/exact-$L-$d.txt" \
      2> "$OUT/torch-$L-$d.time"
    grep 'Maximum resident' "$OUT/torch-$L-$d.time"
  done
done
