set -x
cd /work/wt-bench
J="java -jar target/benchmarks.jar GradientBenchmark"
R=/tmp/bench-results
uptime
java -cp target/benchmarks.jar dev.loralimits.bench.RegimeProbe 262144 2 0.5 1048576 2 0.5 2048 8 0.5 524288 4 0.5 256 4 1 1048576 4 0.5
uptime
$J -p L=64 -p d=2 -p gamma=0.5 -rf json -rff $R/r3a.json
uptime
$J.fast -p L=16384,65536,262144 -p d=2 -p gamma=0.5 -rf json -rff $R/r3b.json
uptime
$J.fast -p L=16384,65536,262144 -p d=4 -p gamma=0.25 -rf json -rff $R/r3c.json
uptime
$J.fast -p L=4096,16384,65536 -p d=4 -p gamma=0.5 -p epsilon=1e-5 -rf json -rff $R/r3d.json
uptime
$J.fast -p L=262144,1048576 -p d=4 -p gamma=0.5 -p epsilon=1e-5 -bm ss -wi 0 -i 1 -rf json -rff $R/r3e.json
uptime
$J -p L=16384 -p d=4 -p gamma=0.5 -rf json -rff $R/r3f.json
uptime
$J.fast -p L=65536 -p d=4 -p gamma=0.5 -rf json -rff $R/r3g.json
uptime
$J.exact -p L=65536 -p d=4 -p gamma=0.5 -bm ss -wi 0 -i 1 -rf json -rff $R/r3h.json
uptime
