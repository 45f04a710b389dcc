#!/bin/bash
# 2026-12-02 (issue 12 item 4): kernels near the limit. Run from the worktree root after
# `mvn -B -o -Pbench package -DskipTests`; BASE = the same jar built from 4dfa020 (the commit before
# chain4) with src/jmh/java/dev/loralimits/fast/PassTiming.java copied in.
B=${B:-target/benchmarks.jar}; BASE=${BASE:-/tmp/vec/basesrc/target/benchmarks.jar}; R=${R:-proofs-notes/benchmarks/2026-12-02-vector}
# PY: a python3 whose numpy links OpenBLAS. /usr/bin/python3's numpy here links the reference BLAS
# (1.4 GFLOP per CPU-second: dgemm-before.log); the pyenv python3 on the PATH has numpy 2.4.6 with
# OpenBLAS (dgemm-openblas.log, run by hand with the one-liner and python3).
PY=${PY:-python3}
dgemm() { OPENBLAS_NUM_THREADS=2 $PY -c "
import numpy as np, time, os
a=np.random.rand(4096,4096); b=np.random.rand(4096,4096); a@b
for r in range(3):
    w=time.perf_counter(); c=time.process_time(); a@b; w=time.perf_counter()-w; c=time.process_time()-c
    print('dgemm 4096 float64, 2 threads: wall %.3f s cpu %.3f s: %.1f GFLOP/s wall, %.1f GFLOP per CPU-second, load %.2f' % (w, c, 2*4096**3/w/1e9, 2*4096**3/c/1e9, os.getloadavg()[0]))
"; }
# micro-benchmark (single thread) and passes alone (single thread), new against base, alternated:
#   java --add-modules jdk.incubator.vector -cp $B dev.loralimits.fast.KernelVectorMicro 5 > $R/micro-1.log
#   java -cp $B dev.loralimits.fast.PassTiming 65536 4 0.5 5 ; java -cp $BASE dev.loralimits.fast.PassTiming 65536 4 0.5 5  (twice) > $R/passes-65536.log
{ date -u; uptime; dgemm; } > $R/dgemm-before.log 2>&1   # (this session: PY=/usr/bin/python3, stopped after 2 calls)
{ for round in 1 2; do
    uptime; echo "# new"; java -Xmx8g -cp $B dev.loralimits.bench.FastTiming 65536 4 0.5 2 5
    uptime; echo "# base"; java -Xmx8g -cp $BASE dev.loralimits.bench.FastTiming 65536 4 0.5 2 5
  done; uptime; } > $R/timing-65536.log 2>&1
{ for round in 1; do
    uptime; echo "# new"; java -Xmx8g -cp $B dev.loralimits.bench.FastTiming 1048576 4 0.5 2 2
    uptime; echo "# base"; java -Xmx8g -cp $BASE dev.loralimits.bench.FastTiming 1048576 4 0.5 2 2
  done; uptime; } > $R/timing-1048576.log 2>&1
{ date -u; uptime; dgemm; } > $R/dgemm-after.log 2>&1   # (this session: stopped, it was the reference BLAS again; see dgemm-openblas.log)
