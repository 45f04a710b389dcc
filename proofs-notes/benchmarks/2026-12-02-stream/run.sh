#!/bin/bash
# before/after timing (old = commit 4dfa020, new = cert-stream)
cd /tmp/stream-base/m
for L in 65536 1048576; do
  reps=3; [ $L = 1048576 ] && reps=1
  for v in old new; do
    echo "== $v L=$L $(uptime)" >> timing.log
    /usr/bin/time -v java -Xmx8g -Xlog:gc:file=gc-$v-$L.log -cp $v-benchmarks.jar dev.loralimits.bench.FastTiming $L 4 0.5 2 $reps > t-$v-$L.log 2>&1
    grep -E "L=|Maximum resident|Elapsed" t-$v-$L.log >> timing.log
  done
done
for v in new old; do
  echo "== heap $v L=1048576 -Xmx400m $(uptime)" >> timing.log
  /usr/bin/time -v java -Xmx400m -cp $v-benchmarks.jar dev.loralimits.bench.FastTiming 1048576 4 0.5 2 1 > h-$v.log 2>&1
  grep -E "L=|OutOfMemory|Maximum resident|Elapsed" h-$v.log >> timing.log
done
echo DONE >> timing.log
