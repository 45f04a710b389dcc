#!/bin/bash
cd /tmp/stream-base/m
for v in old new; do
  echo "== heap $v L=1048576 -Xmx600m $(uptime)" >> heap.log
  /usr/bin/time -v java -Xmx600m -cp $v-benchmarks.jar dev.loralimits.bench.FastTiming 1048576 4 0.5 2 1 > h600-$v.log 2>&1
  grep -E "L=|OutOfMemory|Maximum resident|Elapsed" h600-$v.log >> heap.log
  grep -A3 OutOfMemory h600-$v.log >> heap.log
done
echo DONE >> heap.log
