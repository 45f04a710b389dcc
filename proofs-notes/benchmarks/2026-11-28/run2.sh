set -x
cd /work/wt-bench
J="java -jar target/benchmarks.jar GradientBenchmark"
R=/tmp/bench-results
uptime
$J -p L=256,1024,4096 -p d=2 -p gamma=0.5 -rf json -rff $R/r2a.json
uptime
$J -p L=256,1024,4096 -p d=4 -p gamma=0.25 -rf json -rff $R/r2b.json
uptime
$J.exact -p L=1024,4096 -p d=4 -p gamma=1 -rf json -rff $R/r2c.json
uptime
$J.exact -p L=1024,4096 -p d=8 -p gamma=0.5 -rf json -rff $R/r2c2.json
uptime
$J.fast -p L=1024 -p d=4 -p gamma=1 -bm ss -wi 0 -i 1 -rf json -rff $R/r2d.json
uptime
$J.fast -p L=1024 -p d=8 -p gamma=0.5 -bm ss -wi 0 -i 1 -rf json -rff $R/r2e.json
uptime
java -cp target/benchmarks.jar dev.loralimits.bench.RegimeProbe 262144 4 0.5 1048576 4 0.5 16384 2 0.5 65536 2 0.5 1048576 2 0.5 16384 4 0.25 1048576 4 0.25 4096 8 0.5 65536 8 0.5 1048576 8 0.5 1048576 4 1
uptime
