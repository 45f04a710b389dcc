#!/usr/bin/env python3
"""The mpmath peer of the reference: Theorem F.1 (E3, pivoted p as in ExactGradients.pivotedP) on a
lora-attention-instance/1 file, every operation at mp.dps = p digits.

Two modes, both timed with time.process_time (CPU of this process):
  two-level: levels p0 = N + 20 and p1 = N + 40 (then doubling steps, as spec/FORMATS.md 3.2),
             accepted when every number agrees matrix by matrix (the reference's acceptance test);
  single:    one pass at p0 = N + 20.

usage: mpmath_reference.py instance.json N [two-level|single|both] [reps]
Prints the CPU seconds of each mode and the loss to 12 digits; with reps = k > 1 each mode is
repeated k times in this process and the min and median CPU seconds are printed as well (steady
state, comparable with ReferenceBenchmark's summary line).
"""
import json
import sys
import time

import mpmath
from mpmath import mp, mpf


def read(path):
    with open(path) as f:
        return json.load(f, parse_float=str, parse_int=str)


def mat(m):
    return [[mpf(x) for x in row] for row in m]


def mul(a, b):
    return [[mpmath.fsum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]


def transpose(a):
    return [list(r) for r in zip(*a)]


def run(inst, p):
    mp.dps = p
    alpha, beta = mpf(inst["alpha"]), mpf(inst["beta"])
    w, scale, fa, fb = {}, {}, {}, {}
    for mu in ("Q", "K", "V"):
        spec = inst["weights"][mu]
        wm = mat(spec["W"])
        if "A" in spec:
            a, b = mat(spec["A"]), mat(spec["B"])
            s = alpha / len(a)
            ba = mul(b, a)
            wm = [[wm[i][j] + s * ba[i][j] for j in range(len(wm[0]))] for i in range(len(wm))]
            scale[mu], fa[mu], fb[mu] = s, a, b
        w[mu] = wm
    loss = mpf(0)
    gw = {mu: None for mu in scale}
    for pt in inst["data"]:
        xq = mat(pt.get("XQ", pt.get("X")))
        xk = mat(pt.get("XK", pt.get("X")))
        xv = mat(pt.get("XV", pt.get("X")))
        y = mat(pt["Y"])
        qb = [[beta * v for v in row] for row in mul(xq, w["Q"])]
        km, vm = mul(xk, w["K"]), mul(xv, w["V"])
        lk, h, o = len(km), len(km[0]), len(vm[0])
        u, akey, bkey = [], [[mpf(0)] * h for _ in range(lk)], [[mpf(0)] * o for _ in range(lk)]
        for j in range(len(qb)):
            s = [mpmath.fsum(qb[j][i] * km[l][i] for i in range(h)) for l in range(lk)]
            star = max(range(lk), key=lambda l: s[l])
            e = [mpmath.exp(s[l] - s[star]) for l in range(lk)]
            inv = 1 / mpmath.fsum(e)
            f = [x * inv for x in e]
            c = [mpmath.fsum(f[l] * vm[l][t] for l in range(lk)) - y[j][t] for t in range(o)]
            loss += mpmath.fsum(x * x for x in c) / 2
            q = [mpmath.fsum(c[t] * vm[l][t] for t in range(o)) for l in range(lk)]
            cen = [q[l] - q[star] for l in range(lk)]
            shift = mpmath.fsum(f[l] * cen[l] for l in range(lk))
            pj = [f[l] * (cen[l] - shift) for l in range(lk)]
            u.append([mpmath.fsum(pj[l] * km[l][i] for l in range(lk)) for i in range(h)])
            for l in range(lk):
                for i in range(h):
                    akey[l][i] += pj[l] * qb[j][i]
                for t in range(o):
                    bkey[l][t] += f[l] * c[t]
        g = {"Q": [[beta * v for v in row] for row in mul(transpose(xq), u)],
             "K": mul(transpose(xk), akey), "V": mul(transpose(xv), bkey)}
        for mu in gw:
            gw[mu] = g[mu] if gw[mu] is None else [[a + b for a, b in zip(r1, r2)] for r1, r2 in zip(gw[mu], g[mu])]
    out = {"loss": [[loss]]}
    for mu in gw:
        out["dA_" + mu] = [[scale[mu] * v for v in row] for row in mul(transpose(fb[mu]), gw[mu])]
        out["dB_" + mu] = [[scale[mu] * v for v in row] for row in mul(gw[mu], transpose(fa[mu]))]
    return out


def agrees(coarse, fine, n):
    mp.dps = 4 * n + 200
    for name in fine:
        m = max(abs(x) for row in fine[name] for x in row)
        for rc, rf in zip(coarse[name], fine[name]):
            for a, b in zip(rc, rf):
                if abs(a - b) > mpf(10) ** (-(n + 1)) * max(abs(b), mpf(10) ** (-n) * m):
                    return False
    return True


def two_level(inst, n):
    p, step = n + 20, 20
    coarse = run(inst, p)
    while True:
        fine = run(inst, p + step)
        if agrees(coarse, fine, n) or p + step >= 8 * n + 100:
            return fine
        coarse, p, step = fine, p + step, 2 * step


def timed(label, f, reps):
    times = []
    for _ in range(reps):
        t0 = time.process_time()
        r = f()
        times.append(time.process_time() - t0)
        print("%s cpu %.3f s, loss %s" % (label, times[-1], mpmath.nstr(r["loss"][0][0], 12)))
    if reps > 1:
        s = sorted(times)
        med = s[reps // 2] if reps % 2 else (s[reps // 2 - 1] + s[reps // 2]) / 2
        print("%s summary over %d reps: min %.4f s, median %.4f s" % (label.strip(" :"), reps, s[0], med))


if __name__ == "__main__":
    inst, n = read(sys.argv[1]), int(sys.argv[2])
    mode = sys.argv[3] if len(sys.argv) > 3 else "both"
    reps = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    print("mpmath", mpmath.__version__, "backend", mpmath.libmp.BACKEND)
    if mode in ("two-level", "both"):
        timed("two-level:", lambda: two_level(inst, n), reps)
    if mode in ("single", "both"):
        timed("single:   ", lambda: run(inst, n + 20), reps)
