#!/bin/bash
# issue 12 item 4: the tiled kernels. Run from the worktree root after `mvn -B -o -Pbench package -DskipTests`.
# B = benchmarks jar of this branch, BASE = the same built from the commit before the kernels (7950419).
B=${B:-target/benchmarks.jar}; BASE=${BASE:-/tmp/kern/basesrc/target/benchmarks.jar}; R=${R:-proofs-notes/benchmarks/2026-12-01-kernels}
J="java -jar $B"
dgemm() { OPENBLAS_NUM_THREADS=2 python3 -c "
import numpy as np, time, os
a=np.random.default_rng(1).random((4096,4096)); b=np.random.default_rng(2).random((4096,4096)); a@b
for r in range(3):
    w=time.perf_counter(); c=time.process_time(); a@b; w=time.perf_counter()-w; c=time.process_time()-c
    print('dgemm 4096 float64, 2 threads: wall %.3f s cpu %.3f s: %.1f GFLOP/s wall, %.1f GFLOP per CPU-second, load %.2f' % (w, c, 2*4096**3/w/1e9, 2*4096**3/c/1e9, os.getloadavg()[0]))
"; }
{ date -u; uptime; dgemm; } 2>&1 | tee $R/dgemm-before.log
{ uptime; $J 'GradientBenchmark.fast' -p L=65536 -p d=4 -p gamma=0.5 -bm ss -wi 1 -i 5 -f 1 -rf json -rff $R/fast-65536.json; uptime; } > $R/fast-65536.log 2>&1
{ uptime; $J 'GradientBenchmark.exact' -p L=65536 -p d=4 -p gamma=0.5 -bm ss -wi 0 -i 1 -f 1 -rf json -rff $R/exact-65536.json; uptime; } > $R/exact-65536.log 2>&1
{ uptime; java -Xmx8g -cp $B dev.loralimits.bench.FastTiming 65536 4 0.5 2 4; uptime; } > $R/timing-65536.log 2>&1
{ uptime; java -Xmx8g -cp $BASE:/tmp/kern/ht dev.loralimits.fast.FullTime 65536 4 0.5 2 3; uptime; }   # FullTime: FastTiming's loop, for the base jar (which has no FastTiming) > $R/timing-65536-base.log 2>&1
{ uptime; java -Xmx8g -cp $B dev.loralimits.bench.FastTiming 1048576 4 0.5 2 2; uptime; } > $R/timing-1048576.log 2>&1
{ uptime; /usr/bin/time -v java -Xmx1700m -cp $B dev.loralimits.bench.FastTiming 4194304 4 0.5 2 1; uptime; } > $R/timing-4194304-xmx1700m.log 2>&1   # OutOfMemoryError
{ uptime; /usr/bin/time -v java -Xmx6g -cp $B dev.loralimits.bench.FastTiming 4194304 4 0.5 2 1; uptime; } > $R/timing-4194304-xmx6g.log 2>&1
{ uptime; java -Xmx8g -cp $B dev.loralimits.bench.FastTiming 65536 4 0.5 2 1 1e-6 exact; uptime; } > $R/timing-65536-exact.log 2>&1
# per-pass single-thread CPU (KernTime.java.txt: a class of package dev.loralimits.fast, compiled against $B)
# { uptime; java -cp $B:ht dev.loralimits.fast.KernTime 65536 4 0.5 6; java -cp $BASE:ht dev.loralimits.fast.KernTime 65536 4 0.5 4; } > $R/passes-65536.log
{ date -u; uptime; dgemm; } 2>&1 | tee $R/dgemm-after.log
# later, at lighter load: FastTiming 65536 4 0.5 2 4 and 1048576 4 0.5 2 1 > $R/timing-late.log; dgemm > $R/dgemm-late.log
