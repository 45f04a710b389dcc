set -x
cd /work/wt-bench
J="java -jar target/benchmarks.jar GradientBenchmark"
R=/tmp/bench-results
uptime
$J -p L=1024,4096,16384 -p d=4 -p gamma=0.5 -rf json -rff $R/r1a.json
uptime
$J.fast -p L=65536 -p d=4 -p gamma=0.5 -rf json -rff $R/r1b.json
uptime
$J.exact -p L=65536 -p d=4 -p gamma=0.5 -bm ss -wi 0 -i 1 -rf json -rff $R/r1c.json
uptime
$J.fast -p L=262144,1048576 -p d=4 -p gamma=0.5 -bm ss -wi 0 -i 1 -rf json -rff $R/r1d.json
uptime
