#!/bin/bash
cd /tmp/stream-base/m
for L in 65536 1048576; do
  reps=3; [ $L = 1048576 ] && reps=1
  echo "== final L=$L $(uptime)" >> final.log
  /usr/bin/time -v java -Xmx8g -cp final-benchmarks.jar dev.loralimits.bench.FastTiming $L 4 0.5 2 $reps > f-$L.log 2>&1
  grep -E "L=|Maximum resident|Elapsed" f-$L.log >> final.log
done
echo "== final L=4194304 -Xmx1700m $(uptime)" >> final.log
/usr/bin/time -v java -Xmx1700m -Xlog:gc:file=gc-final-22.log -cp final-benchmarks.jar dev.loralimits.bench.FastTiming 4194304 4 0.5 2 1 > f-4194304.log 2>&1
grep -E "L=|OutOfMemory|Maximum resident|Elapsed|User time|System time|Exit" f-4194304.log >> final.log
echo "== end $(uptime)" >> final.log
echo "== old L=4194304 -Xmx1700m $(uptime)" >> final.log
/usr/bin/time -v java -Xmx1700m -cp old-benchmarks.jar dev.loralimits.bench.FastTiming 4194304 4 0.5 2 1 > o-4194304.log 2>&1
grep -E "L=|OutOfMemory|at dev.loralimits.fast|Maximum resident|Elapsed|Exit" o-4194304.log | head -6 >> final.log
echo "DONE $(uptime)" >> final.log
