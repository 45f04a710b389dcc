#!/usr/bin/env python3
"""Check an attention-layer LoRA gradient implementation against the layer golden vectors.

    python3 check_layer_vectors.py                           # the demo implementation below
    python3 check_layer_vectors.py --impl my_module:gradient # yours (my_module on sys.path or in .)
    python3 check_layer_vectors.py --rtol 1e-5 FILE.json     # a float32 implementation, another file

Your function takes one instance, the dict of the test's "instance" (format
lora-attention-instance/2, spec/FORMATS.md Section 5; numbers are JSON numbers, read them with
float()), and returns (loss, grads):

    gradient(instance: dict) -> (float, {mu: (dA, dB)})

with mu in "Q", "K", "V", "O" for every adapted projection, dA of the shape of A (r x cols(W)),
dB of the shape of B (rows(W) x r).

Comparison: for each matrix - the loss as a 1 x 1 matrix, then dA and dB of every adapter - with
expected entries e (the test's 30-digit "expected", read as floats) and computed entries c, the
matrix passes when max |c - e| <= atol + rtol * max |e| (rtol 1e-9 by default, atol 0). Prints
one line per failed test and "N passed, M failed"; exits 1 when a test failed, 2 when the file
cannot be read. Standard library only.
"""

import argparse
import importlib
import json
import math
import os
import sys

DEFAULT_VECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lora-attention-layer-vectors.json")
# float64 code is within about 1e-15 normwise on these small layers; 1e-9 leaves room and still
# fails float32 code and formula errors (spec/CHECK.md).
DEFAULT_RTOL = 1e-9
WEIGHTS = ("Q", "K", "V", "O")


# ------------------------------------------------------------------------------------------------
# Demo implementation: float64, plain Python lists, written from spec/PROBLEMS.md Section 7:
#
#   W_mu = W*_mu + s B A, s = alpha / r ("lora") or alpha / sqrt(r) ("rslora")
#   per point: Q = XQ WQ, K = XK WK, V = XV WV; head t: columns t h .. (of Q, K), t v .. (of V)
#   query j attends to keys 0 .. last(j): none: Lk - 1; top-left: min(j, Lk - 1); bottom-right: j + Lk - Lq
#   F = softmax over the attended keys of beta Q^t (K^t)^T (shifted by the row maximum), Z^t = F V^t
#   R = Z WO - Y (or Z - Y), loss = 1/2 sum R^2, G = R WO^T (or R), dWO = Z^T R
#   dF_l = G_j^t . V_l^t, dS_l = F_l ((dF_l - dF_*) - sum_m F_m (dF_m - dF_*))   (* = the row's argmax)
#   dQ_j^t = beta sum_l dS_l K_l^t, dK_l^t += beta dS_l Q_j^t, dV_l^t += F_l G_j^t
#   dW = X^T dQ (etc.), dA = s B^T dW, dB = s dW A^T

def _m(a):
    return [[float(x) for x in row] for row in a]


def _mul(a, b):
    return [[math.fsum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]


def _t(a):
    return [list(r) for r in zip(*a)]


def demo_gradient(inst):
    heads = int(inst.get("heads", 1))
    causal = inst.get("causal", "none")
    rslora = inst.get("scaling", "lora") == "rslora"
    alpha, beta = float(inst.get("alpha", 1)), float(inst["beta"])
    w, fac = {}, {}
    for mu in WEIGHTS:
        spec = inst["weights"].get(mu)
        if spec is None:
            continue
        wm = _m(spec["W"])
        if "A" in spec:
            a, b = _m(spec["A"]), _m(spec["B"])
            s = alpha / (math.sqrt(len(a)) if rslora else len(a))
            ba = _mul(b, a)
            wm = [[wm[i][j] + s * ba[i][j] for j in range(len(wm[0]))] for i in range(len(wm))]
            fac[mu] = (s, a, b)
        w[mu] = wm
    hw = len(w["Q"][0]) // heads
    vw = len(w["V"][0]) // heads
    wo = w.get("O")
    loss = 0.0
    dw = {}
    for pt in inst["data"]:
        xq = _m(pt.get("XQ", pt.get("X")))
        xk = _m(pt.get("XK", pt.get("X")))
        xv = _m(pt.get("XV", pt.get("X")))
        y = _m(pt["Y"])
        q, k, v = _mul(xq, w["Q"]), _mul(xk, w["K"]), _mul(xv, w["V"])
        lq, lk = len(q), len(k)
        z = [[0.0] * (heads * vw) for _ in range(lq)]
        fs = {}
        for t in range(heads):
            for j in range(lq):
                last = lk - 1 if causal == "none" else (min(j, lk - 1) if causal == "top-left" else j + lk - lq)
                sc = [beta * math.fsum(q[j][t * hw + c] * k[l][t * hw + c] for c in range(hw)) for l in range(last + 1)]
                star = max(range(len(sc)), key=lambda l: sc[l])
                e = [math.exp(x - sc[star]) for x in sc]
                d = math.fsum(e)
                f = [x / d for x in e]
                fs[t, j] = (f, star)
                for c in range(vw):
                    z[j][t * vw + c] = math.fsum(f[l] * v[l][t * vw + c] for l in range(len(f)))
        out = _mul(z, wo) if wo is not None else z
        r = [[out[j][c] - y[j][c] for c in range(len(y[0]))] for j in range(lq)]
        loss += 0.5 * math.fsum(x * x for row in r for x in row)
        g = _mul(r, _t(wo)) if wo is not None else r
        grads = {}
        if wo is not None:
            grads["O"] = _mul(_t(z), r)
        dq = [[0.0] * (heads * hw) for _ in range(lq)]
        dk = [[0.0] * (heads * hw) for _ in range(lk)]
        dv = [[0.0] * (heads * vw) for _ in range(lk)]
        for t in range(heads):
            for j in range(lq):
                f, star = fs[t, j]
                df = [math.fsum(g[j][t * vw + c] * v[l][t * vw + c] for c in range(vw)) for l in range(len(f))]
                cen = [x - df[star] for x in df]
                shift = math.fsum(f[l] * cen[l] for l in range(len(f)))
                for l in range(len(f)):
                    ds = beta * f[l] * (cen[l] - shift)
                    for a in range(hw):
                        dq[j][t * hw + a] += ds * k[l][t * hw + a]
                        dk[l][t * hw + a] += ds * q[j][t * hw + a]
                    for a in range(vw):
                        dv[l][t * vw + a] += f[l] * g[j][t * vw + a]
        grads["Q"], grads["K"], grads["V"] = _mul(_t(xq), dq), _mul(_t(xk), dk), _mul(_t(xv), dv)
        for mu, m in grads.items():
            dw[mu] = m if mu not in dw else [[x + y2 for x, y2 in zip(r1, r2)] for r1, r2 in zip(dw[mu], m)]
    out = {}
    for mu, (s, a, b) in fac.items():
        out[mu] = ([[s * x for x in row] for row in _mul(_t(b), dw[mu])],
                   [[s * x for x in row] for row in _mul(dw[mu], _t(a))])
    return loss, out


def _compare(name, got, want, rtol, atol):
    m = max((abs(float(x)) for row in want for x in row), default=0.0)
    if len(got) != len(want) or any(len(a) != len(b) for a, b in zip(got, want)):
        return f"{name}: shape differs"
    err = max((abs(float(a) - float(b)) for ra, rb in zip(got, want) for a, b in zip(ra, rb)), default=0.0)
    allowed = atol + rtol * m
    return None if err <= allowed else f"{name}: max|err| {err:.3e} > {allowed:.3e}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", default=DEFAULT_VECTORS)
    ap.add_argument("--impl", help="module:function to check (default: the demo implementation)")
    ap.add_argument("--rtol", type=float, default=DEFAULT_RTOL)
    ap.add_argument("--atol", type=float, default=0.0)
    a = ap.parse_args()
    fn = demo_gradient
    if a.impl:
        mod, _, name = a.impl.partition(":")
        sys.path.insert(0, os.getcwd())
        fn = getattr(importlib.import_module(mod), name)
    try:
        with open(a.file) as f:
            doc = json.load(f, parse_float=str, parse_int=str)
    except (OSError, ValueError) as e:
        print(f"cannot read {a.file}: {e}", file=sys.stderr)
        sys.exit(2)
    passed = failed = 0
    for group in doc["testGroups"]:
        for test in group["tests"]:
            loss, grads = fn(test["instance"])
            exp = test["expected"]
            problems = [_compare("loss", [[loss]], [[exp["loss"]]], a.rtol, a.atol)]
            for mu in WEIGHTS:
                if mu in exp["gradients"]:
                    if mu not in grads:
                        problems.append(f"dLoss/dA_{mu}: missing")
                        continue
                    problems.append(_compare(f"dLoss/dA_{mu}", grads[mu][0], exp["gradients"][mu]["A"], a.rtol, a.atol))
                    problems.append(_compare(f"dLoss/dB_{mu}", grads[mu][1], exp["gradients"][mu]["B"], a.rtol, a.atol))
            problems = [p for p in problems if p]
            if problems:
                failed += 1
                print(f"tcId {test['tcId']} ({', '.join(test['flags'])}): " + "; ".join(problems))
            else:
                passed += 1
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
