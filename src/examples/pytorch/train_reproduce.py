#!/usr/bin/env python3
"""Reproduce a `lora-limits train` run step by step in PyTorch (float64) and compare the losses.

Runs

    ./lora-limits train --task T --steps N --length L --method M --optimizer O --lr LR
                        [--norm-control RATIO] --seed S --out DIR --no-plot

(or reads an existing DIR given with --out), reads DIR/start.json (format
lora-attention-instance/1, spec/FORMATS.md Section 1) with a reader of its own, builds the same
attention head in torch float64 (W_mu = W*_mu + (alpha/r) B_mu A_mu, weights on the right:
X^mu W_mu; loss 1/2 sum over points ||softmax(beta Q K^T) V - Y||_F^2) with requires_grad on every
A and B, and repeats the run: the norm control on the start, then per step the autograd gradient,
torch.optim.Adam (lr, betas (0.9, 0.999), eps 1e-8) or torch.optim.SGD(lr), and the norm control
(B_mu <- c* B_mu for Q and K, c* as train/NormControl.java states it). Per step it compares the
loss logged in DIR/train.jsonl with torch's loss at the same step, and the control factor and the
norms gamma_q, gamma_k with torch's. Before that it compares the gradients of
`./lora-limits gradient --method exact start.json` with torch autograd at the start parameters.

With an existing --out, pass the --optimizer, --lr and --norm-control that run used (the logs do
not record them). Prints a table; exit status 0 when every check holds, 1 otherwise.
Standard library + numpy + torch only.
"""
import argparse
import decimal
import json
import math
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch

# --- Tolerances -------------------------------------------------------------------------------
# Exact steps: Java (Theorem F.1 in doubles) and torch autograd compute the same function in
# different orders of summation, so each gradient and loss differs by rounding, a few units of
# 2^-52 relative times the length of the sums; Adam's and SGD's updates repeat the same formula
# (torch's addcmul/addcdiv associate (value g) g and (value m) / denom, Java value (g g) and
# value (m / denom): rounding again). Measured worst relative loss difference over 20 steps at
# L = 1024 (2026-12-02, README.md): 2.8e-15 (gd), 2.3e-15 (Adam), 2.6e-15 (Adam with the norm
# control active). 1e-10 leaves more than four orders of margin and still fails any real
# difference of formula: a learning rate off by 1e-5 relative already moves the loss by 1e-5.
EXACT_LOSS_RTOL = 1e-10
# Gradients at the start (first step): one evaluation, no accumulation over steps; measured
# max-entry relative differences <= 1.6e-15 (per matrix, relative to its largest entry); 1e-12
# is the margin of the brief (three orders), far below any error of formula.
GRADIENT_RTOL = 1e-12
# Fast (certified) steps: Java's gradient differs from the exact one by at most `bound` per entry
# and its loss from the exact loss by at most `loss_bound`. The parameters then drift apart: for
# gd by about lr * (sum of the bounds so far) per entry; for Adam the update m / (sqrt(v) + eps)
# is not Lipschitz in g near g = 0, so no a-priori bound follows. The check is
# |loss_java - loss_torch| <= loss_bound + FAST_LOSS_RTOL |loss_torch| with FAST_LOSS_RTOL a
# measured margin: worst measured 6.9e-9 relative (large task, auto, Adam, norm control 0.2,
# 20 steps at L = 1024, epsilon 1e-6), 2.6e-9 (teacher, auto, Adam), 1.8e-9 (teacher, auto, gd);
# 1e-6 leaves a factor > 100 and stays far below the loss change of one step (~1e-2 relative).
FAST_LOSS_RTOL = 1e-6
# The norms gamma_q, gamma_k and the control factor depend smoothly on the parameters (the factor
# is a min of ratios: piecewise smooth), so they get the loss's tolerance of the step's kind.

ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
# NormControl.MaxEntry.MARGIN: c* is taken for tau (1 - 2^-40).
CONTROL_MARGIN = 2.0 ** -40

NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")


# --- The instance file (spec/FORMATS.md Section 1) --------------------------------------------
class FormatError(ValueError):
    pass


def to_double(x, where):
    """A number of the format (JSON number or decimal string) as the nearest double."""
    if isinstance(x, bool) or x is None:
        raise FormatError(f"{where}: {x!r} is not a number")
    if isinstance(x, str):
        if not NUMBER.match(x):
            raise FormatError(f"{where}: string {x!r} is not a decimal number")
        x = decimal.Decimal(x)
    if isinstance(x, int):
        return float(x)  # correctly rounded
    if isinstance(x, decimal.Decimal):
        if not x.is_finite():
            raise FormatError(f"{where}: {x} is not finite")
        return float(x)  # Decimal -> float is correctly rounded (nearest double)
    raise FormatError(f"{where}: {x!r} is not a number")


def matrix(m, where, stats=None):
    if not isinstance(m, list) or not m or not all(isinstance(r, list) and r for r in m):
        raise FormatError(f"{where}: not a non-empty array of non-empty rows")
    if len({len(r) for r in m}) != 1:
        raise FormatError(f"{where}: rows of different lengths")
    out = np.empty((len(m), len(m[0])), dtype=np.float64)
    for i, row in enumerate(m):
        for j, x in enumerate(row):
            out[i, j] = to_double(x, f"{where}[{i}][{j}]")
            if stats is not None and isinstance(x, decimal.Decimal):
                stats["numbers"] += 1
                # The shortest decimal that reads back as this double is Python's repr.
                if x.normalize() != decimal.Decimal(repr(out[i, j])).normalize() and out[i, j] != 0:
                    stats["not_shortest"] += 1
    return out


def read_instance(path, stats=None):
    """start.json as {alpha, beta, weights: {mu: (W, A or None, B or None)}, points: [(XQ, XK, XV, Y)]}."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f, parse_float=decimal.Decimal, parse_int=int)
    if not isinstance(doc, dict) or doc.get("format") != "lora-attention-instance/1":
        raise FormatError(f"{path}: format is not lora-attention-instance/1")
    allowed = {"format", "alpha", "beta", "weights", "data", "comment", "name"}
    bad = [k for k in doc if k not in allowed and not k.startswith("x-")]
    if bad:
        raise FormatError(f"{path}: unknown top-level keys {bad}")
    w = doc.get("weights")
    if not isinstance(w, dict) or set(w) != {"Q", "K", "V"}:
        raise FormatError(f"{path}: weights must have exactly the keys Q, K, V")
    weights = {}
    for mu in "QKV":
        p = w[mu]
        if not isinstance(p, dict) or "W" not in p or not set(p) <= {"W", "A", "B"} or (("A" in p) != ("B" in p)):
            raise FormatError(f"{path}: weights.{mu} must have W and both or neither of A, B")
        W = matrix(p["W"], f"weights.{mu}.W", stats)
        A = matrix(p["A"], f"weights.{mu}.A", stats) if "A" in p else None
        B = matrix(p["B"], f"weights.{mu}.B", stats) if "B" in p else None
        if A is not None and (A.shape[1] != W.shape[1] or B.shape[0] != W.shape[0] or A.shape[0] != B.shape[1]):
            raise FormatError(f"{path}: weights.{mu}: A must be r x cols(W), B rows(W) x r")
        weights[mu] = (W, A, B)
    if weights["K"][0].shape[1] != weights["Q"][0].shape[1]:
        raise FormatError(f"{path}: cols(weights.K.W) must equal cols(weights.Q.W)")
    adapted = any(weights[mu][1] is not None for mu in "QKV")
    if adapted and "alpha" not in doc:
        raise FormatError(f"{path}: alpha is required when a projection is adapted")
    alpha = to_double(doc["alpha"], "alpha") if "alpha" in doc else 1.0
    beta = to_double(doc["beta"], "beta") if "beta" in doc else 1.0
    data = doc.get("data")
    if not isinstance(data, list) or not data:
        raise FormatError(f"{path}: data must be a non-empty array")
    points = []
    for n, p in enumerate(data):
        if not isinstance(p, dict):
            raise FormatError(f"data[{n}]: not an object")
        if set(p) == {"X", "Y"}:
            x = matrix(p["X"], f"data[{n}].X", stats)
            xq = xk = xv = x
        elif set(p) == {"XQ", "XK", "XV", "Y"}:
            xq, xk, xv = (matrix(p[k], f"data[{n}].{k}", stats) for k in ("XQ", "XK", "XV"))
        else:
            raise FormatError(f"data[{n}]: keys must be X, Y or XQ, XK, XV, Y")
        y = matrix(p["Y"], f"data[{n}].Y", stats)
        ok = (xq.shape[1] == weights["Q"][0].shape[0] and xk.shape[1] == weights["K"][0].shape[0]
              and xv.shape[1] == weights["V"][0].shape[0] and xv.shape[0] == xk.shape[0]
              and y.shape == (xq.shape[0], weights["V"][0].shape[1]))
        if not ok:
            raise FormatError(f"data[{n}]: shapes do not fit the weights (spec/FORMATS.md 1.4)")
        points.append((xq, xk, xv, y))
    return {"alpha": alpha, "beta": beta, "weights": weights, "points": points}


def read_gradients(path):
    """The gradient file of `lora-limits gradient` (lora-attention-gradient/1) as {mu: {"A", "B"}}."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f, parse_float=decimal.Decimal, parse_int=int)
    if doc.get("format") != "lora-attention-gradient/1":
        raise FormatError(f"{path}: format is not lora-attention-gradient/1")
    g = {mu: {f: matrix(m, f"gradients.{mu}.{f}") for f, m in v.items()} for mu, v in doc["gradients"].items()}
    return to_double(doc["loss"], "loss"), g


# --- The model in torch -----------------------------------------------------------------------
class Head:
    """The attention head of the instance, float64, requires_grad on every A and B."""

    def __init__(self, inst):
        self.alpha, self.beta = inst["alpha"], inst["beta"]
        self.frozen = {mu: torch.from_numpy(inst["weights"][mu][0].copy()) for mu in "QKV"}
        self.a, self.b = {}, {}
        for mu in "QKV":
            _, A, B = inst["weights"][mu]
            if A is not None:
                self.a[mu] = torch.from_numpy(A.copy()).requires_grad_(True)
                self.b[mu] = torch.from_numpy(B.copy()).requires_grad_(True)
        self.points = [tuple(torch.from_numpy(m) for m in p) for p in inst["points"]]
        self.length = max(p[1].shape[0] for p in inst["points"])

    def params(self):
        return [t for mu in "QKV" if mu in self.a for t in (self.a[mu], self.b[mu])]

    def weight(self, mu):
        if mu not in self.a:
            return self.frozen[mu]
        return self.frozen[mu] + (self.alpha / self.a[mu].shape[0]) * (self.b[mu] @ self.a[mu])

    def loss(self):
        wq, wk, wv = (self.weight(mu) for mu in "QKV")
        total = 0
        for xq, xk, xv, y in self.points:
            f = torch.softmax(self.beta * (xq @ wq) @ (xk @ wk).T, dim=-1)
            total = total + 0.5 * ((f @ (xv @ wv) - y) ** 2).sum()
        return total

    @torch.no_grad()
    def gamma(self, mu):
        w = self.weight(mu)
        inputs = {"Q": 0, "K": 1, "V": 2}[mu]
        return max(float((p[inputs] @ w).abs().max()) for p in self.points)

    @torch.no_grad()
    def control(self, tau):
        """NormControl.MaxEntry: B_mu <- c* B_mu for Q and K; returns min over them of c* (1 if none)."""
        t = tau * (1 - CONTROL_MARGIN)
        factor = 1.0
        for mu, inputs in (("Q", 0), ("K", 1)):
            if mu not in self.a:
                continue
            delta = (self.alpha / self.a[mu].shape[0]) * (self.b[mu] @ self.a[mu])
            c = 1.0
            for p in self.points:
                a = p[inputs] @ self.frozen[mu]
                d = p[inputs] @ delta
                if float(a.abs().max()) > t:
                    raise ValueError(f"norm control: ||X^{mu} W*_{mu}||_inf exceeds tau = {t}")
                nz = d != 0
                if bool(nz.any()):
                    c = min(c, float(((t - torch.sign(d[nz]) * a[nz]) / d[nz].abs()).min()))
            c = max(0.0, c)
            if c < 1:
                self.b[mu].mul_(c)
            factor = min(factor, c)
        return factor


# --- The run ----------------------------------------------------------------------------------
def run_java(launcher, a, out):
    cmd = [launcher, "train", "--task", a.task, "--steps", str(a.steps), "--length", str(a.length),
           "--method", a.method, "--optimizer", a.optimizer, "--lr", repr(a.lr), "--seed", str(a.seed),
           "--out", out, "--no-plot", "--progress", "never"]
    if a.norm_control is not None:
        cmd += ["--norm-control", repr(a.norm_control)]
    print("$ lora-limits " + " ".join(cmd[1:]), flush=True)
    return subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode == 0


def rel(x, y):
    return abs(x - y) / max(abs(y), sys.float_info.min)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--launcher", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "lora-limits"))
    ap.add_argument("--out", help="an existing output directory of lora-limits train (then train is not run)")
    ap.add_argument("--keep", help="run train into this directory and keep it (default: a temporary one)")
    ap.add_argument("--task", default="teacher")
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--length", type=int, default=256)
    ap.add_argument("--method", default="exact", choices=["auto", "fast", "exact"])
    ap.add_argument("--optimizer", default="adam", choices=["adam", "gd"])
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--norm-control", type=float, default=None)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    launcher = os.path.abspath(a.launcher)
    with tempfile.TemporaryDirectory(prefix="lora-limits-train-") as tmp:
        if a.out:
            out = a.out
        else:
            out = a.keep or os.path.join(tmp, "out")
            os.makedirs(out, exist_ok=True)
            if not run_java(launcher, a, out):
                print("lora-limits train failed (its message is above)")
                return 1
        return compare(a, launcher, out, a.keep or tmp)


def compare(a, launcher, out, scratch):
    """The checks on the run in out (scratch: where the gradient file goes); the exit status."""
    stats = {"numbers": 0, "not_shortest": 0}
    inst = read_instance(os.path.join(out, "start.json"), stats)
    with open(os.path.join(out, "train.jsonl"), encoding="utf-8") as f:
        log = [json.loads(line) for line in f if line.strip()]
    head = Head(inst)
    ok = True

    # 1. The first step's gradients: lora-limits gradient --method exact against autograd.
    gpath = os.path.join(scratch, "gradient-exact.json")
    with open(gpath, "w", encoding="utf-8") as f:
        if subprocess.run([launcher, "gradient", "--method", "exact", os.path.join(out, "start.json")], stdout=f).returncode:
            print("lora-limits gradient failed (its message is above)")
            return 1
    jloss, jgrad = read_gradients(gpath)
    loss0 = head.loss()
    grads = torch.autograd.grad(loss0, head.params())
    tgrad = {}
    for n, mu in enumerate(mu for mu in "QKV" if mu in head.a):
        tgrad[mu] = {"A": grads[2 * n].numpy(), "B": grads[2 * n + 1].numpy()}
    scale = max(float(np.abs(m).max()) for g in jgrad.values() for m in g.values())
    print(f"start.json: {stats['numbers']} numbers, {stats['not_shortest']} not written as the shortest decimal")
    print(f"gradient at the start (--method exact vs autograd): loss rel diff {rel(float(loss0), jloss):.1e}")
    worst_grad = rel(float(loss0), jloss)
    if set(jgrad) != set(tgrad):
        print(f"  adapted projections differ: java {sorted(jgrad)}, torch {sorted(tgrad)}")
        ok = False
    for mu in sorted(set(jgrad) & set(tgrad), key="QKV".index):
        for fac in ("A", "B"):
            j, t = jgrad[mu][fac], tgrad[mu][fac]
            if j.shape != t.shape:
                print(f"  d/d{fac}_{mu}: shape {j.shape} vs {t.shape}")
                ok = False
                continue
            m = float(np.abs(j).max())
            err = float(np.abs(j - t).max()) / (m if m > 0 else scale)
            worst_grad = max(worst_grad, err)
            print(f"  d/d{fac}_{mu}: max|java - torch| / max|java| = {err:.1e}" + ("" if m > 0 else " (all zero: / max over all)"))
    grad_ok = worst_grad <= GRADIENT_RTOL
    ok &= grad_ok
    print(f"  worst {worst_grad:.1e} (tolerance {GRADIENT_RTOL:g}): {'ok' if grad_ok else 'FAIL'}")

    # 2. The run: control on the start, then step, control, as Trainer.run.
    tau = None if a.norm_control is None else a.norm_control * math.sqrt(math.log(head.length))
    if tau is not None:
        head.control(tau)
    params = head.params()
    if a.optimizer == "adam":
        opt = torch.optim.Adam(params, lr=a.lr, betas=ADAM_BETAS, eps=ADAM_EPS, foreach=False)
    else:
        opt = torch.optim.SGD(params, lr=a.lr)
    print(f"{'step':>4} {'method':>6} {'loss java':>22} {'loss torch':>22} {'rel diff':>8} {'tol':>8} "
          f"{'gamma':>8} {'factor':>8}  ")
    worst = {"exact": 0.0, "fast": 0.0}
    worst_aux = 0.0
    bounds = 0.0
    for rec in log:
        opt.zero_grad()
        loss = head.loss()
        gq, gk = head.gamma("Q"), head.gamma("K")
        loss.backward()
        opt.step()
        factor = head.control(tau) if tau is not None else 1.0
        lt, lj = float(loss), rec["loss"]
        if rec["method"] == "fast":
            rtol = FAST_LOSS_RTOL
            bounds += rec["bound"]
            allowed = rec["loss_bound"] + rtol * abs(lt)
        else:
            rtol = EXACT_LOSS_RTOL if bounds == 0 else FAST_LOSS_RTOL  # after a fast step the runs differ
            allowed = rtol * abs(lt)
        d = rel(lj, lt)
        kind = "exact" if rtol == EXACT_LOSS_RTOL else "fast"
        worst[kind] = max(worst[kind], d)
        dg = max(rel(rec["gamma_q"], gq), rel(rec["gamma_k"], gk))
        df = rel(rec["control_factor"], factor)
        worst_aux = max(worst_aux, dg, df)
        good = abs(lj - lt) <= allowed and dg <= rtol and df <= rtol
        ok &= good
        print(f"{rec['step']:>4} {rec['method']:>6} {lj:>22.16e} {lt:>22.16e} {d:>8.1e} {allowed / abs(lt):>8.1e} "
              f"{dg:>8.1e} {df:>8.1e}  {'ok' if good else 'FAIL'}")
    if len(log) != a.steps and not a.out:
        print(f"train.jsonl has {len(log)} records, expected {a.steps}")
        ok = False
    print(f"worst relative loss difference: exact steps {worst['exact']:.1e} (tolerance {EXACT_LOSS_RTOL:g}), "
          f"after fast steps {worst['fast']:.1e} (tolerance loss_bound + {FAST_LOSS_RTOL:g} rel); "
          f"gamma and control factor {worst_aux:.1e}; sum of fast gradient bounds {bounds:.1e}")
    print("1 passed, 0 failed" if ok else "0 passed, 1 failed", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
