#!/bin/bash
cd /tmp/stream-base/cli
mkdir -p out
for f in vec*.json gen*.json; do
  for T in 1 2; do for E in 1e-6 1e-3; do
    for v in old new; do
      jar=/tmp/stream-base/lora-limits.jar; [ $v = new ] && jar=/tmp/stream-base/new-lora-limits.jar
      java -jar $jar gradient --method fast --threads $T --epsilon $E $f > out/$v-$f-$T-$E.out 2> out/$v-$f-$T-$E.err
      echo $? > out/$v-$f-$T-$E.rc
    done
  done; done
done
echo DONE > out/DONE
