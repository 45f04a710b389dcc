#!/usr/bin/env python3
"""Summarise GradientBenchmark results (proofs-notes/BENCHMARKS.md).

usage: analyze.py RESULTS_DIR
Reads every *.json (JMH -rf json) and *.log (JMH console output, for the '# regime' lines and
RegimeProbe's '# probe' lines) in RESULTS_DIR; prints a Markdown table per (d, gamma), the speedup
at L = 65536, d = 4, gamma = 0.5, the log-log slope of fast time over L >= 4096 and the
crossover L per (d, gamma). Standard library only.
"""
import glob
import json
import math
import os
import re
import sys

DEFAULT_EPS = "1e-6"  # runs before the epsilon @Param existed
EPS = 1e-6  # the sweep's accuracy: speedup, slope and crossovers use it

def load(directory):
    times = {}  # (bench, L, d, gamma, epsilon) -> (mean ms, (min, max) or None, mode, iterations)
    runs = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        try:
            results = json.load(open(path))
        except ValueError:
            continue  # a run still writing its file
        for r in results:
            bench = r["benchmark"].rsplit(".", 1)[1]
            p = r["params"]
            key = (bench, int(p["L"]), int(p["d"]), float(p["gamma"]), float(p.get("epsilon", DEFAULT_EPS)))
            m = r["primaryMetric"]
            raw = [x for fork in m.get("rawData", []) for x in fork]
            runs.setdefault(key, []).append((raw, r["mode"]))
    # several runs of one point: the mean of all their measured iterations, with min-max
    for key, rs in runs.items():
        raw = [x for rr, _ in rs for x in rr]
        modes = sorted({mode for _, mode in rs})
        mode = "+".join(modes) + (" x%d runs" % len(rs) if len(rs) > 1 else "")
        times[key] = (sum(raw) / len(raw), (min(raw), max(raw)) if len(raw) > 1 else None, mode, len(raw))
    regime = {}  # (L, d, gamma, epsilon) -> text
    measured = set()
    pat = re.compile(r"# (regime|probe) L=(\d+) d=(\d+) gamma=([0-9.]+)(?: threads=\d+)?(?: epsilon=([0-9.Ee+-]+))? (.*)")
    for path in sorted(glob.glob(os.path.join(directory, "*.log"))):
        for line in open(path, errors="replace"):
            mt = pat.match(line.strip())
            if mt:
                key = (int(mt.group(2)), int(mt.group(3)), float(mt.group(4)), float(mt.group(5) or DEFAULT_EPS))
                text = mt.group(6)
                # a benchmark's own line wins over a probe's; among probes, the latest file wins
                if mt.group(1) == "regime":
                    regime[key] = text
                    measured.add(key)
                elif key not in measured:
                    regime[key] = text
    return times, regime

def field(text, name):
    m = re.search(name + r"=([^ ]+)", text or "")
    return m.group(1) if m else ""

def fmt_ms(v):
    if v is None:
        return "-"
    ms, err, mode, n = v
    s = ("%.4g" % ms) if ms < 1e4 else ("%.0f" % ms)
    if err:
        s += " [%.3g-%.3g]" % err  # min-max of the measured iterations
    if mode != "avgt":
        s += " (" + mode + ")"
    return s

def loglog_slope(points):
    xs = [math.log(x) for x, _ in points]
    ys = [math.log(y) for _, y in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)

def crossover(ex, fa):
    """Smallest L where fast < exact, interpolating log(fast/exact) linearly in log L."""
    common = sorted(set(ex) & set(fa))
    if not common:
        return None, "no common L"
    ratio = [(L, math.log(fa[L] / ex[L])) for L in common]
    if ratio[0][1] < 0:
        return None, "fast already faster at the smallest measured L = %d (%.3gx)" % (common[0], math.exp(-ratio[0][1]))
    for (l0, r0), (l1, r1) in zip(ratio, ratio[1:]):
        if r0 >= 0 > r1:
            t = r0 / (r0 - r1)
            return math.exp(math.log(l0) + t * (math.log(l1) - math.log(l0))), "interpolated between %d and %d" % (l0, l1)
    # not bracketed: extrapolate exact and fast as power laws through their own measured points
    se = loglog_slope([(L, ex[L]) for L in sorted(ex)[-2:]]) if len(ex) >= 2 else 2.0
    lf = max(fa)
    sf = 1.0
    le = max(ex)
    # fast(L) = fa[lf] (L/lf)^sf, exact(L) = ex[le] (L/le)^se; solve equality
    a = math.log(fa[lf]) - sf * math.log(lf)
    b = math.log(ex[le]) - se * math.log(le)
    if se <= sf:
        return None, "not bracketed"
    return math.exp((a - b) / (se - sf)), "extrapolated (exact slope %.2f from its two largest L, fast slope 1 from L = %d)" % (se, lf)

def main():
    times, regime = load(sys.argv[1])
    configs = sorted({k[2:] for k in times} | {k[1:] for k in regime})
    for d, g, eps in configs:
        Ls = sorted({k[1] for k in times if k[2:] == (d, g, eps)} | {k[0] for k in regime if k[1:] == (d, g, eps)})
        print("\n### d = %d, gamma = %s, epsilon = %g\n" % (d, g, eps))
        print("| L | exact ms/op [min-max] | fast ms/op [min-max] | exact/fast | degree | rank | radius R | certified bound |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for L in Ls:
            e = times.get(("exact", L, d, g, EPS)) if L <= 65536 else None
            f = times.get(("fast", L, d, g, eps))
            r = regime.get((L, d, g, eps), "")
            refused = "REFUSED" in r
            sp = "%.3g" % (e[0] / f[0]) if e and f and not refused else "-"
            if refused:
                deg, rank, rad, bnd = "refused", "-", "-", r.split("REFUSED: ")[1]
                f = f and (f[0], f[1], f[2] + " refusal", f[3])
            else:
                deg, rank, rad, bnd = field(r, "degree"), field(r, "rank"), field(r, "radius"), field(r, "bound")
                if r.startswith("degree") and "budget" in r:
                    deg += " (probe)"
            print("| %d | %s | %s | %s | %s | %s | %s | %s |" % (L, fmt_ms(e), fmt_ms(f), sp, deg, rank, rad, bnd))
    for stat, pick in (("mean", lambda v: v[0]), ("min", lambda v: v[1][0] if v[1] else v[0])):
        summary({k: pick(v) for k, v in times.items()}, regime, configs, stat)


def summary(t, regime, configs, stat):
    """Speedup, slopes and crossovers on one statistic (mean or min of the iterations) per point."""
    print("\n#### on the %s time per point\n" % stat)
    key = ("exact", 65536, 4, 0.5, EPS), ("fast", 65536, 4, 0.5, EPS)
    if all(k in t for k in key):
        print("speedup at L = 65536, d = 4, gamma = 0.5, epsilon = 1e-6: %.3gx" % (t[key[0]] / t[key[1]]))
    for eps in sorted({k[4] for k in t if k[0] == "fast" and k[2:4] == (4, 0.5)}):
        pts, per_rank = [], []
        for k, v in sorted(t.items()):
            r = regime.get((k[1],) + k[2:], "")
            if k[0] == "fast" and k[2:] == (4, 0.5, eps) and k[1] >= 4096 and "REFUSED" not in r:
                pts.append((k[1], v))
                if field(r, "rank"):
                    per_rank.append((k[1], v / int(field(r, "rank"))))
        if len(pts) >= 2:
            print("log-log slope of fast time, d = 4, gamma = 0.5, epsilon = %g, L = %s: %.3f"
                  % (eps, ",".join(str(L) for L, _ in pts), loglog_slope(pts)))
            print("  local slopes: " + ", ".join("%d->%d %.2f" % (l0, l1, math.log(t1 / t0) / math.log(l1 / l0))
                                                 for (l0, t0), (l1, t1) in zip(pts, pts[1:])))
            if len(per_rank) == len(pts):
                print("  slope of fast time / rank (the per-feature cost): %.3f" % loglog_slope(per_rank))
    for d, g, eps in configs:
        if eps != EPS:
            continue
        ex = {k[1]: v for k, v in t.items() if k[0] == "exact" and k[2:] == (d, g, eps) and k[1] <= 65536}
        fa = {k[1]: v for k, v in t.items() if k[0] == "fast" and k[2:] == (d, g, eps)
              and "REFUSED" not in regime.get((k[1], d, g, eps), "")}
        refused_from = min([k[0] for k, r in regime.items() if k[1:] == (d, g, eps) and "REFUSED" in r], default=None)
        if ex and fa:
            L, how = crossover(ex, fa)
            if L and refused_from and L >= refused_from:
                how += "; but fast refuses from L = %d on, so there is no crossover in practice" % refused_from
            print("crossover d = %d, gamma = %s: %s (%s)" % (d, g, "%.0f" % L if L else "-", how))
        elif ex:
            print("crossover d = %d, gamma = %s: none (fast refused%s)"
                  % (d, g, " from L = %d on" % refused_from if refused_from else ""))


if __name__ == "__main__":
    main()
