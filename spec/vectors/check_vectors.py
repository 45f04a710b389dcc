#!/usr/bin/env python3
"""Check a LoRA attention gradient implementation against the golden vectors.

    python3 check_vectors.py                           # the demo implementation below
    python3 check_vectors.py --impl my_module:gradient # yours (my_module on sys.path or in .)
    python3 check_vectors.py --rtol 1e-5 FILE.json     # a float32 implementation, another file

Your function takes one instance, the dict of the test's "instance" (format
lora-attention-instance/1, spec/FORMATS.md Section 1: numbers are JSON numbers or decimal strings,
read them with float()), and returns (loss, grads):

    gradient(instance: dict) -> (float, {mu: (dA, dB)})

with mu in "Q", "K", "V" for every adapted projection (those with "A" and "B"), dA the gradient
of the loss with respect to A (a list of r rows of cols(W) floats, the shape of A) and dB with
respect to B (rows(W) rows of r floats). Any sequence of sequences of numbers works (lists, tuples, numpy arrays
via .tolist()).

Comparison (spec/CHECK.md): for each matrix - the loss as a 1 x 1 matrix, then dA and dB of
every adapter - with expected entries e (the test's gradientsFloat64) and computed entries c, the
matrix passes when max |c - e| <= atol + rtol * max |e|. rtol defaults to 1e-9 (float64), atol to
0; for tests flagged TargetEqualsOutput the exact values are 40 orders of magnitude below what a
float64 residual can resolve, so there atol = rtol * max(1, max |Y|) (see the file's notes).
Prints one line per failed test and a final line "N passed, M failed"; exits 1 when some test
failed, 2 when the file cannot be read. Standard library only.
"""

import argparse
import importlib
import json
import math
import os
import sys

DEFAULT_VECTORS = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "lora-attention-gradient-vectors.json")
# float64 code is within about 1e-13 normwise on these vectors; 1e-9 leaves room for longer sums
# and worse conditioning, and still fails float32 code and formula errors (spec/CHECK.md).
DEFAULT_RTOL = 1e-9
ADAPTERS = ("Q", "K", "V")


# ------------------------------------------------------------------------------------------------
# Demo implementation: float64, plain Python lists, written from the formulas
#
#   W_mu = W*_mu + (alpha / r) B_mu A_mu             (adapted projections; frozen: W_mu = W*_mu)
#   per data point:  Qm = XQ WQ,  Km = XK WK,  Vm = XV WV
#   S = beta Qm Km^T,  F = softmax of each row of S,  Z = F Vm,  c = Z - Y
#   loss = sum over points of 1/2 ||c||_F^2
#   G = c Vm^T,  P = F o G - diag(rowsum(F o G)) F   (o: entrywise product)
#   dWQ = beta XQ^T P Km,  dWK = beta XK^T P^T Qm,  dWV = XV^T F^T c   (summed over points)
#   dA = (alpha / r) B^T dW,  dB = (alpha / r) dW A^T
#
# Two details make it accurate in float64 on every vector (no loosening of the tolerance):
# the softmax subtracts each row's maximum before exp (LargeScores: scores near +-700 overflow
# or underflow exp otherwise), and P is formed in the centred form
# P_ij = F_ij sum_k F_ik (G_ij - G_ik), equal to the line above because sum_k F_ik = 1, which
# keeps the exponentially small entries of one-hot rows (OneHot) instead of cancelling them.

def _num(x):
    return float(x)


def _matrix(m):
    return [[_num(x) for x in row] for row in m]


def _zeros(rows, cols):
    return [[0.0] * cols for _ in range(rows)]


def _transpose(a):
    return [list(col) for col in zip(*a)]


def _matmul(a, b):
    bt = _transpose(b)
    return [[sum(x * y for x, y in zip(row, col)) for col in bt] for row in a]


def _add(a, b):
    return [[x + y for x, y in zip(ra, rb)] for ra, rb in zip(a, b)]


def _scale(s, a):
    return [[s * x for x in row] for row in a]


def _softmax_rows(s):
    out = []
    for row in s:
        m = max(row)
        e = [math.exp(x - m) for x in row]
        total = sum(e)
        out.append([x / total for x in e])
    return out


def demo_gradient(instance):
    """Loss and adapter gradients of one instance, float64 (see the formulas above)."""
    alpha = _num(instance.get("alpha", 1))
    beta = _num(instance.get("beta", 1))
    frozen, a, b, scale, w = {}, {}, {}, {}, {}
    for mu in ADAPTERS:
        p = instance["weights"][mu]
        frozen[mu] = _matrix(p["W"])
        w[mu] = frozen[mu]
        if "A" in p:
            a[mu], b[mu] = _matrix(p["A"]), _matrix(p["B"])
            scale[mu] = alpha / len(a[mu])
            w[mu] = _add(frozen[mu], _scale(scale[mu], _matmul(b[mu], a[mu])))
    dw = {mu: _zeros(len(w[mu]), len(w[mu][0])) for mu in ADAPTERS}
    loss = 0.0
    for point in instance["data"]:
        if "X" in point:
            xq = xk = xv = _matrix(point["X"])
        else:
            xq, xk, xv = _matrix(point["XQ"]), _matrix(point["XK"]), _matrix(point["XV"])
        y = _matrix(point["Y"])
        qm, km, vm = _matmul(xq, w["Q"]), _matmul(xk, w["K"]), _matmul(xv, w["V"])
        s = _scale(beta, _matmul(qm, _transpose(km)))
        f = _softmax_rows(s)
        z = _matmul(f, vm)
        c = [[zi - yi for zi, yi in zip(rz, ry)] for rz, ry in zip(z, y)]
        loss += 0.5 * sum(x * x for row in c for x in row)
        g = _matmul(c, _transpose(vm))
        p = [[fi[j] * sum(fi[k] * (gi[j] - gi[k]) for k in range(len(gi))) for j in range(len(gi))]
             for fi, gi in zip(f, g)]
        dw["Q"] = _add(dw["Q"], _scale(beta, _matmul(_transpose(xq), _matmul(p, km))))
        dw["K"] = _add(dw["K"], _scale(beta, _matmul(_transpose(xk), _matmul(_transpose(p), qm))))
        dw["V"] = _add(dw["V"], _matmul(_transpose(xv), _matmul(_transpose(f), c)))
    grads = {}
    for mu in a:
        grads[mu] = (_scale(scale[mu], _matmul(_transpose(b[mu]), dw[mu])),
                     _scale(scale[mu], _matmul(dw[mu], _transpose(a[mu]))))
    return loss, grads


# ------------------------------------------------------------------------------------------------
# Checking

def _max_abs_y(instance):
    return max(abs(_num(x)) for point in instance["data"] for row in point["Y"] for x in row)


def _compare(name, expected, computed, rtol, atol):
    """None when the matrix passes, else a one-line reason."""
    try:
        rows = [list(map(float, r)) for r in computed]
    except (TypeError, ValueError) as e:
        return "%s: not a matrix of numbers (%s)" % (name, e)
    if len(rows) != len(expected) or any(len(r) != len(e) for r, e in zip(rows, expected)):
        return "%s: shape %dx%d, expected %dx%d" % (
            name, len(rows), len(rows[0]) if rows else 0, len(expected), len(expected[0]))
    scale = max(abs(x) for row in expected for x in row)
    err = 0.0
    for rc, re in zip(rows, expected):
        for c, e in zip(rc, re):
            if not math.isfinite(c):
                return "%s: non-finite entry %r" % (name, c)
            err = max(err, abs(c - e))
    if err <= atol + rtol * scale:
        return None
    rel = err / scale if scale > 0 else err
    return "%s: max|err| %.3e, relative %.3e > rtol %.1e" % (name, err, rel, rtol)


def check_test(test, gradient, rtol):
    """None when the test passes, else a list of reasons."""
    instance, expected = test["instance"], test["expected"]
    atol = rtol * max(1.0, _max_abs_y(instance)) if "TargetEqualsOutput" in test["flags"] else 0.0
    try:
        loss, grads = gradient(instance)
    except Exception as e:  # noqa: BLE001 - any failure of the code under test fails the test
        return ["raised %s: %s" % (type(e).__name__, e)]
    reasons = []
    r = _compare("loss", [[expected["lossFloat64"]]], [[loss]], rtol, atol)
    if r:
        reasons.append(r)
    want = expected["gradientsFloat64"]
    if sorted(grads) != sorted(want):
        return reasons + ["adapters %s, expected %s" % (sorted(grads), sorted(want))]
    for mu in ADAPTERS:
        if mu in want:
            for factor, computed in zip(("A", "B"), grads[mu]):
                r = _compare("dLoss/d%s_%s" % (factor, mu), want[mu][factor], computed, rtol, atol)
                if r:
                    reasons.append(r)
    return reasons or None


def run(gradient, path=DEFAULT_VECTORS, rtol=DEFAULT_RTOL, out=sys.stdout):
    """Checks every test of the file; returns (passed, failed)."""
    with open(path, encoding="utf-8") as fh:
        vectors = json.load(fh)
    passed = failed = 0
    for group in vectors["testGroups"]:
        for test in group["tests"]:
            reasons = check_test(test, gradient, rtol)
            if reasons is None:
                passed += 1
            else:
                failed += 1
                flags = ",".join(test["flags"]) or "-"
                print("tcId %d [%s] %s: %s" % (test["tcId"], flags, test["comment"], "; ".join(reasons)),
                      file=out)
    if passed + failed != vectors["numberOfTests"]:
        print("warning: numberOfTests is %d, found %d tests" % (vectors["numberOfTests"], passed + failed),
              file=out)
    return passed, failed


def _load(spec):
    module, _, name = spec.partition(":")
    if not name:
        raise SystemExit("--impl must be MODULE:FUNCTION, got %r" % spec)
    sys.path.insert(0, os.getcwd())
    try:
        mod = importlib.import_module(module)
    except ImportError as e:
        raise SystemExit("--impl %s: cannot import module %r (%s); put %s.py in the current"
                         " directory or on PYTHONPATH" % (spec, module, e, module))
    if not hasattr(mod, name):
        raise SystemExit("--impl %s: module %r has no function %r" % (spec, module, name))
    return getattr(mod, name)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("vectors", nargs="?", default=DEFAULT_VECTORS, help="the vectors file")
    ap.add_argument("--impl", metavar="MODULE:FUNCTION",
                    help="gradient function to check (default: the demo implementation)")
    ap.add_argument("--rtol", type=float, default=DEFAULT_RTOL, help="relative tolerance (default 1e-9)")
    args = ap.parse_args(argv)
    gradient = _load(args.impl) if args.impl else demo_gradient
    try:
        passed, failed = run(gradient, args.vectors, args.rtol)
    except (OSError, ValueError, KeyError) as e:
        print("check_vectors.py: %s: %s" % (args.vectors, e), file=sys.stderr)
        return 2
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
