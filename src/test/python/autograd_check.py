#!/usr/bin/env python3
"""Independent float64 autograd cross-check of the LoRA attention gradients (proofs-notes/MODEL.md §1, §3).

The model (proofs-notes/MODEL.md §1, Definition 1.2 / A.1), projections multiplying on the right:

    W_mu = W*_mu + (alpha / r_mu) B_mu A_mu          mu in {Q, K, V} adapted, r_mu = rows(A_mu)
    S    = beta (X^Q W_Q)(X^K W_K)^T                   (Lq x Lk)
    F    = row-softmax(S),   Z = F X^V W_V
    Loss = sum_i 1/2 ||Z_i - Y_i||_F^2

The gradients dLoss/dA_mu, dLoss/dB_mu are obtained by reverse-mode automatic differentiation
of exactly that forward pass, never from the closed forms E1-E3 of proofs-notes/MODEL.md §3, so the
check is independent of the hand-derived gradient formulas. Two backends:

  torch  PyTorch autograd in float64 (Debian's python3-torch, run with /usr/bin/python3);
  numpy  a small tape-based reverse mode written here, one vector-Jacobian product per
         elementary op (matmul, transpose, add, scale, exp, row-sum, row-divide, subtract,
         square-sum), each derived from that op's own definition.

`--backend auto` (the default) uses torch when it imports and numpy otherwise.

Subcommands:
  make --seed S --out DIR --count N   write N random instances DIR/0.json .. DIR/(N-1).json
                                      (every 4th square, the others rectangular)
  grad FILE                           print loss and gradients (lora-attention-gradient/1)
  compare INSTANCE_DIR REF_DIR        float64 autograd vs reference gradients; exit 1 on failure
  decimal-ref FILE [--digits 30]      closed-form (MODEL.md §3) loss and gradients in 50-digit
                                      decimal arithmetic: a stand-in for the Java reference to
                                      exercise `compare` (not independent of the closed forms)
  selftest [--seed S] [--count N]     autograd vs 4th-order central finite differences (and
                                      the other backend, and the closed forms of MODEL.md §3),
                                      plus the comparator's own pass/fail behaviour

The global option goes before the subcommand: `autograd_check.py --backend numpy grad FILE`.

Only the standard library plus numpy (and optionally torch) are used.
"""

import argparse
import json
import math
import os
import random
import re
import sys
import tempfile
from decimal import Decimal, localcontext

import numpy as np

try:  # optional: the preferred backend
    import torch

    HAVE_TORCH = True
except ImportError:  # pragma: no cover - depends on the machine
    torch = None
    HAVE_TORCH = False

INSTANCE_FORMAT = "lora-attention-instance/1"
GRADIENT_FORMAT = "lora-attention-gradient/1"
ADAPTERS = ("Q", "K", "V")

# Tolerance of `compare`: normwise relative error per matrix, max|a - b| / max|b|.
# The reference is computed with 30 significant digits, so the whole difference is the float64
# rounding error of this script. Unit roundoff is u = 2^-53 ~ 1.1e-16. With L <= 8, d <= 4,
# N <= 3 and the generator's entry bounds (|X|, |Y| <= 1, |W*| <= 1/sqrt(d), |A|, |B| <= 1/2,
# alpha/r <= 2, beta <= 2) the scores satisfy |S| <~ 20, so exp/softmax amplify relative errors
# by at most ~|S|, and every gradient entry is a sum of at most a few hundred products, each
# accurate to a few u. A forward-error bound of the form (number of terms) * (max |S| + 1) * u
# is ~1e-12 to 1e-13 normwise; 1e-10 leaves two to three orders of margin for unlucky
# cancellation while still being ~6 orders below any formula error (which shows up at O(1)) or
# a reference that is wrong beyond ~10 digits. The error is measured normwise, not entrywise,
# because small entries arise from cancellation and their entrywise relative error is
# ill-conditioned even for a correct float64 evaluation.
# Measured: against a 50-digit evaluation (`decimal-ref`) on 300 generated instances (seed 99)
# the worst error was 3.1e-14 for both backends, so the margin is over three orders.
COMPARE_TOLERANCE = 1e-10

# Self-test tolerance of autograd vs a float64 fourth-order central finite difference
# (f(x-2h) - 8 f(x-h) + 8 f(x+h) - f(x+2h)) / (12 h): truncation ~h^4 |f^(5)| / 30 and rounding
# ~u |f| / h; with h = 1e-3 both are ~1e-13 .. 1e-12 absolute, at most ~1e-10 relative to the
# smallest gradient matrices generated here. 1e-8 leaves a wide margin and still catches any
# wrong or missing term (an O(1) relative error).
FD_STEP = 1e-3
FD_TOLERANCE = 1e-8
# Two float64 evaluations of the same gradient (torch vs tape, autograd vs closed form)
# differ only by rounding: same bound as `compare`.
AGREE_TOLERANCE = COMPARE_TOLERANCE


# --------------------------------------------------------------------------------------------
# Instance I/O
# --------------------------------------------------------------------------------------------

def _num(x):
    """A JSON number (or a numeric string) as a double."""
    return float(x)


def _mat(rows, name):
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
        raise ValueError(f"{name} must be a non-empty list of rows")
    width = len(rows[0])
    if width == 0 or any(len(r) != width for r in rows):
        raise ValueError(f"{name} must be a rectangular matrix with at least one column")
    return np.array([[_num(v) for v in r] for r in rows], dtype=np.float64)


def load_instance(path):
    """Parse an instance file into plain float64 arrays.

    Returns dict(alpha, beta, weights={mu: {"W", "A"?, "B"?}}, data=[{"XQ","XK","XV","Y"}]).
    """
    with open(path) as fh:
        raw = json.load(fh, parse_float=float)
    fmt = raw.get("format")
    if fmt != INSTANCE_FORMAT:
        raise ValueError(f"{path}: format ({fmt!r}) must be {INSTANCE_FORMAT!r}")
    inst = {"alpha": _num(raw["alpha"]), "beta": _num(raw["beta"]), "weights": {}, "data": []}
    for mu in ADAPTERS:
        p = raw["weights"][mu]
        w = {"W": _mat(p["W"], f"weights.{mu}.W")}
        if ("A" in p) != ("B" in p):
            raise ValueError(f"weights.{mu}: A and B must be given together")
        if "A" in p:
            w["A"] = _mat(p["A"], f"weights.{mu}.A")
            w["B"] = _mat(p["B"], f"weights.{mu}.B")
            r = w["A"].shape[0]
            if w["A"].shape[1] != w["W"].shape[1] or w["B"].shape != (w["W"].shape[0], r):
                raise ValueError(f"weights.{mu}: A must be r x cols(W), B rows(W) x r")
        inst["weights"][mu] = w
    for i, pt in enumerate(raw["data"]):
        if "X" in pt:
            x = _mat(pt["X"], f"data[{i}].X")
            xq = xk = xv = x
        else:
            xq = _mat(pt["XQ"], f"data[{i}].XQ")
            xk = _mat(pt["XK"], f"data[{i}].XK")
            xv = _mat(pt["XV"], f"data[{i}].XV")
        inst["data"].append({"XQ": xq, "XK": xk, "XV": xv, "Y": _mat(pt["Y"], f"data[{i}].Y")})
    if not inst["data"]:
        raise ValueError("data must hold at least one point")
    return inst


def adapted(inst):
    return [mu for mu in ADAPTERS if "A" in inst["weights"][mu]]


# --------------------------------------------------------------------------------------------
# Backend 1: a tape-based reverse mode in numpy
# --------------------------------------------------------------------------------------------

class Node:
    """A value on the tape with its parents and, per parent, the vector-Jacobian product."""

    __slots__ = ("value", "parents", "grad")

    def __init__(self, value, parents=()):
        self.value = np.asarray(value, dtype=np.float64)
        self.parents = parents  # tuple of (Node, vjp: upstream-grad -> grad wrt that parent)
        self.grad = None


def leaf(value):
    return Node(np.array(value, dtype=np.float64, copy=True))


# Each op below: the forward value from the definition, and for every input x the map
# g -> sum_{out} g[out] * d out / d x, written out from the op's definition.

def t_matmul(a, b):
    # out[i,k] = sum_j a[i,j] b[j,k];  d out[i,k]/d a[i,j] = b[j,k];  d out[i,k]/d b[j,k] = a[i,j]
    return Node(a.value @ b.value,
                ((a, lambda g: g @ b.value.T), (b, lambda g: a.value.T @ g)))


def t_transpose(a):
    # out[j,i] = a[i,j]
    return Node(a.value.T, ((a, lambda g: g.T),))


def t_add(a, b):
    # out = a + b (same shapes)
    return Node(a.value + b.value, ((a, lambda g: g), (b, lambda g: g)))


def t_sub(a, b):
    # out = a - b (same shapes)
    return Node(a.value - b.value, ((a, lambda g: g), (b, lambda g: -g)))


def t_scale(c, a):
    # out = c * a for a constant scalar c
    return Node(c * a.value, ((a, lambda g: c * g),))


def t_exp(a):
    # out[i,j] = exp(a[i,j]);  d out / d a = exp(a) elementwise
    e = np.exp(a.value)
    return Node(e, ((a, lambda g: g * e),))


def t_rowsum(a):
    # out[i,0] = sum_j a[i,j];  d out[i,0] / d a[i,j] = 1
    return Node(a.value.sum(axis=1, keepdims=True),
                ((a, lambda g: np.broadcast_to(g, a.value.shape).copy()),))


def t_rowdiv(a, s):
    # out[i,j] = a[i,j] / s[i,0];  d/d a[i,j] = 1/s[i];  d out[i,j]/d s[i] = -a[i,j]/s[i]^2
    return Node(a.value / s.value,
                ((a, lambda g: g / s.value),
                 (s, lambda g: -(g * a.value).sum(axis=1, keepdims=True) / s.value ** 2)))


def t_sub_rowconst(a, m):
    # out[i,j] = a[i,j] - m[i] with m a constant (no gradient): the softmax shift.
    return Node(a.value - m, ((a, lambda g: g),))


def t_sqsum(a):
    # out = sum_ij a[i,j]^2 (a scalar);  d out / d a[i,j] = 2 a[i,j]
    return Node(np.array((a.value ** 2).sum()), ((a, lambda g: 2.0 * g * a.value),))


def backward(root):
    """Accumulate d root / d node into node.grad for every node reachable from root."""
    order, seen = [], set()
    stack = [(root, False)]
    while stack:  # iterative post-order DFS -> topological order
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for parent, _ in node.parents:
            if id(parent) not in seen:
                stack.append((parent, False))
    for node in order:
        node.grad = np.zeros_like(node.value)
    root.grad = np.ones_like(root.value)
    for node in reversed(order):
        for parent, vjp in node.parents:
            parent.grad = parent.grad + vjp(node.grad)


def loss_and_grads_numpy(inst):
    alpha, beta = inst["alpha"], inst["beta"]
    params, W = {}, {}
    for mu in ADAPTERS:
        p = inst["weights"][mu]
        w_star = leaf(p["W"])
        if "A" in p:
            a, b = leaf(p["A"]), leaf(p["B"])
            params[mu] = (a, b)
            r = p["A"].shape[0]
            W[mu] = t_add(w_star, t_scale(alpha / r, t_matmul(b, a)))
        else:
            W[mu] = w_star
    total = None
    for pt in inst["data"]:
        qm = t_matmul(leaf(pt["XQ"]), W["Q"])
        km = t_matmul(leaf(pt["XK"]), W["K"])
        vm = t_matmul(leaf(pt["XV"]), W["V"])
        s = t_scale(beta, t_matmul(qm, t_transpose(km)))
        e = t_exp(t_sub_rowconst(s, s.value.max(axis=1, keepdims=True)))
        f = t_rowdiv(e, t_rowsum(e))
        z = t_matmul(f, vm)
        li = t_scale(0.5, t_sqsum(t_sub(z, leaf(pt["Y"]))))
        total = li if total is None else t_add(total, li)
    backward(total)
    grads = {mu: {"A": a.grad, "B": b.grad} for mu, (a, b) in params.items()}
    return float(total.value), grads


# --------------------------------------------------------------------------------------------
# Backend 2: PyTorch autograd (float64)
# --------------------------------------------------------------------------------------------

def loss_and_grads_torch(inst):
    dt = torch.float64
    alpha, beta = inst["alpha"], inst["beta"]
    params, W = {}, {}
    for mu in ADAPTERS:
        p = inst["weights"][mu]
        w_star = torch.tensor(p["W"], dtype=dt)
        if "A" in p:
            a = torch.tensor(p["A"], dtype=dt, requires_grad=True)
            b = torch.tensor(p["B"], dtype=dt, requires_grad=True)
            params[mu] = (a, b)
            W[mu] = w_star + (alpha / a.shape[0]) * (b @ a)
        else:
            W[mu] = w_star
    total = torch.zeros((), dtype=dt)
    for pt in inst["data"]:
        qm = torch.tensor(pt["XQ"], dtype=dt) @ W["Q"]
        km = torch.tensor(pt["XK"], dtype=dt) @ W["K"]
        vm = torch.tensor(pt["XV"], dtype=dt) @ W["V"]
        s = beta * (qm @ km.T)
        e = torch.exp(s - s.max(dim=1, keepdim=True).values.detach())
        f = e / e.sum(dim=1, keepdim=True)
        z = f @ vm
        total = total + 0.5 * ((z - torch.tensor(pt["Y"], dtype=dt)) ** 2).sum()
    if params:
        total.backward()
    grads = {mu: {"A": a.grad.numpy().copy(), "B": b.grad.numpy().copy()}
             for mu, (a, b) in params.items()}
    return float(total.item()), grads


def pick_backend(name):
    if name == "auto":
        name = "torch" if HAVE_TORCH else "numpy"
    if name == "torch" and not HAVE_TORCH:
        raise SystemExit("backend torch requested but `import torch` fails in " + sys.executable)
    return name, (loss_and_grads_torch if name == "torch" else loss_and_grads_numpy)


# --------------------------------------------------------------------------------------------
# Forward loss only (for finite differences) and the closed forms of proofs-notes/MODEL.md §3 (self-test only)
# --------------------------------------------------------------------------------------------

def effective_weights(inst):
    out = {}
    for mu in ADAPTERS:
        p = inst["weights"][mu]
        w = p["W"].copy()
        if "A" in p:
            w = w + (inst["alpha"] / p["A"].shape[0]) * (p["B"] @ p["A"])
        out[mu] = w
    return out


def forward_loss(inst):
    W = effective_weights(inst)
    total = 0.0
    for pt in inst["data"]:
        s = inst["beta"] * (pt["XQ"] @ W["Q"]) @ (pt["XK"] @ W["K"]).T
        e = np.exp(s - s.max(axis=1, keepdims=True))
        f = e / e.sum(axis=1, keepdims=True)
        total += 0.5 * float((((f @ (pt["XV"] @ W["V"])) - pt["Y"]) ** 2).sum())
    return total


def closed_form_grads(inst):
    """proofs-notes/MODEL.md §3, original parametrisation: used only by `selftest`, never by `grad`."""
    W = effective_weights(inst)
    beta = inst["beta"]
    gw = {mu: np.zeros_like(W[mu]) for mu in ADAPTERS}
    for pt in inst["data"]:
        qm, km, vm = pt["XQ"] @ W["Q"], pt["XK"] @ W["K"], pt["XV"] @ W["V"]
        s = beta * qm @ km.T
        e = np.exp(s - s.max(axis=1, keepdims=True))
        f = e / e.sum(axis=1, keepdims=True)
        c = f @ vm - pt["Y"]
        cv = c @ vm.T
        p = f * (cv - (f * cv).sum(axis=1, keepdims=True))  # P = dLoss/dS
        gw["Q"] += beta * pt["XQ"].T @ p @ km
        gw["K"] += beta * pt["XK"].T @ p.T @ qm
        gw["V"] += pt["XV"].T @ f.T @ c
    out = {}
    for mu in adapted(inst):
        a, b = inst["weights"][mu]["A"], inst["weights"][mu]["B"]
        k = inst["alpha"] / a.shape[0]
        out[mu] = {"A": k * b.T @ gw[mu], "B": k * gw[mu] @ a.T}
    return out


def finite_difference_grads(inst, h=FD_STEP):
    out = {}
    for mu in adapted(inst):
        out[mu] = {}
        for name in ("A", "B"):
            m = inst["weights"][mu][name]
            g = np.zeros_like(m)
            for idx in np.ndindex(m.shape):
                old = m[idx]
                f = {}
                for k in (-2, -1, 1, 2):
                    m[idx] = old + k * h
                    f[k] = forward_loss(inst)
                m[idx] = old
                g[idx] = (f[-2] - 8.0 * f[-1] + 8.0 * f[1] - f[2]) / (12.0 * h)
            out[mu][name] = g
    return out


# --------------------------------------------------------------------------------------------
# decimal-ref: a high-precision stand-in for the Java reference, for testing this script only
# --------------------------------------------------------------------------------------------

def _dmat(rows):
    return [[Decimal(str(v)) for v in row] for row in rows]


def _dmul(a, b):
    bt = list(zip(*b))
    return [[sum((x * y for x, y in zip(row, col)), Decimal(0)) for col in bt] for row in a]


def _dT(a):
    return [list(col) for col in zip(*a)]


def _dlin(ka, a, kb, b):
    return [[ka * x + kb * y for x, y in zip(ra, rb)] for ra, rb in zip(a, b)]


def decimal_reference(path, digits=30, guard=20):
    """Loss and gradients by the closed forms of proofs-notes/MODEL.md §3 in `digits + guard` decimal digits.

    NOT independent of the hand-derived formulas: it only stands in for
    `lora-limits gradient --method reference` so that `compare` and its tolerance can be
    exercised before (or without) the Java tool. The input decimals are read exactly.
    """
    with open(path) as fh:
        raw = json.load(fh, parse_float=Decimal, parse_int=Decimal)
    one, zero = Decimal(1), Decimal(0)
    with localcontext() as ctx:
        ctx.prec = digits + guard
        alpha, beta = Decimal(raw["alpha"]), Decimal(raw["beta"])
        W, adapters = {}, []
        for mu in ADAPTERS:
            p = raw["weights"][mu]
            w = _dmat(p["W"])
            if "A" in p:
                adapters.append(mu)
                k = alpha / len(p["A"])
                w = _dlin(one, w, k, _dmul(_dmat(p["B"]), _dmat(p["A"])))
            W[mu] = w
        gw = {mu: [[zero] * len(W[mu][0]) for _ in W[mu]] for mu in ADAPTERS}
        loss = zero
        for pt in raw["data"]:
            xq = _dmat(pt["X"] if "X" in pt else pt["XQ"])
            xk = _dmat(pt["X"] if "X" in pt else pt["XK"])
            xv = _dmat(pt["X"] if "X" in pt else pt["XV"])
            y = _dmat(pt["Y"])
            qm, km, vm = _dmul(xq, W["Q"]), _dmul(xk, W["K"]), _dmul(xv, W["V"])
            s = [[beta * v for v in row] for row in _dmul(qm, _dT(km))]
            f = []
            for row in s:
                e = [v.exp() for v in row]
                tot = sum(e, zero)
                f.append([v / tot for v in e])
            c = _dlin(one, _dmul(f, vm), -one, y)
            loss += sum((v * v for row in c for v in row), zero) / 2
            cv = _dmul(c, _dT(vm))
            p = []
            for frow, cvrow in zip(f, cv):
                m = sum((a * b for a, b in zip(frow, cvrow)), zero)
                p.append([a * (b - m) for a, b in zip(frow, cvrow)])
            gq = _dmul(_dmul(_dT(xq), p), km)
            gk = _dmul(_dmul(_dT(xk), _dT(p)), qm)
            gv = _dmul(_dmul(_dT(xv), _dT(f)), c)
            gw["Q"] = _dlin(one, gw["Q"], beta, gq)
            gw["K"] = _dlin(one, gw["K"], beta, gk)
            gw["V"] = _dlin(one, gw["V"], one, gv)
        grads = {}
        for mu in adapters:
            a, b = _dmat(raw["weights"][mu]["A"]), _dmat(raw["weights"][mu]["B"])
            k = alpha / len(a)
            grads[mu] = {"A": [[k * v for v in row] for row in _dmul(_dT(b), gw[mu])],
                         "B": [[k * v for v in row] for row in _dmul(gw[mu], _dT(a))]}

    def fmt(v):  # scientific notation with `digits` significant digits, like 1.2345e-3
        return _RAW + format(v, f".{digits - 1}e")

    return {"format": GRADIENT_FORMAT, "method": "python-decimal-closed-form", "digits": digits,
            "loss": fmt(loss),
            "gradients": {mu: {k: [[fmt(v) for v in row] for row in g[k]] for k in ("A", "B")}
                          for mu, g in grads.items()}}


_RAW = "@raw-number@"  # marks strings that are written as bare JSON numbers


def cmd_decimal_ref(args):
    out = decimal_reference(args.file, args.digits)
    text = json.dumps(out, indent=1)
    sys.stdout.write(re.sub('"' + _RAW + '([^"]*)"', r"\1", text) + "\n")
    return 0


# --------------------------------------------------------------------------------------------
# make
# --------------------------------------------------------------------------------------------

def _rows(m):
    return [[float(v) for v in row] for row in m]


def _uniform(rng, rows, cols, lo, hi):
    return [[rng.uniform(lo, hi) for _ in range(cols)] for _ in range(rows)]


# Non-empty subsets of {Q, K, V}, cycled by instance index so that every set appears.
ADAPTER_SETS = [("Q", "V"), ("Q", "K", "V"), ("Q",), ("K",), ("V",), ("Q", "K"), ("K", "V")]


# One instance in SQUARE_EVERY has the paper's square shape (every W d x d, one rank r for every
# adapter); the others draw dq, dk, dv, h, o and each adapter's rank separately (W_Q dq x h,
# W_K dk x h, W_V dv x o), where an index bug (h for o, dq for dk, one rank for all) shows.
SQUARE_EVERY = 4
MAX_WIDTH = 4


def make_instance(rng, index):
    alpha = rng.uniform(0.5, 2.0)
    beta = rng.uniform(0.5, 2.0)
    adapter_set = ADAPTER_SETS[index % len(ADAPTER_SETS)]
    if index % SQUARE_EVERY == 0:
        d = rng.randint(1, MAX_WIDTH)
        dq = dk = dv = h = o = d
        ranks = dict.fromkeys(ADAPTERS, rng.randint(1, d))
    else:
        dq, h, o = (rng.randint(1, MAX_WIDTH) for _ in range(3))
        if rng.random() < 0.5:  # one X width: self-attention points possible
            dk = dv = dq
        else:
            dk, dv = rng.randint(1, MAX_WIDTH), rng.randint(1, MAX_WIDTH)
        ranks = {mu: rng.randint(1, MAX_WIDTH) for mu in ADAPTERS}
    shapes = {"Q": (dq, h), "K": (dk, h), "V": (dv, o)}
    weights = {}
    for mu in ADAPTERS:
        rows, cols = shapes[mu]
        scale = 1.0 / math.sqrt(rows)
        w = [[rng.uniform(-1.0, 1.0) * scale for _ in range(cols)] for _ in range(rows)]
        p = {"W": w}
        if mu in adapter_set:
            r = ranks[mu]
            p["A"] = _uniform(rng, r, cols, -0.5, 0.5)
            p["B"] = _uniform(rng, rows, r, -0.5, 0.5)
        weights[mu] = p
    one_x = dq == dk == dv
    data = []
    for _ in range(rng.randint(1, 3)):
        if one_x and rng.random() < 0.5:  # self-attention
            length = rng.randint(1, 8)
            data.append({"X": _uniform(rng, length, dq, -1.0, 1.0),
                         "Y": _uniform(rng, length, o, -1.0, 1.0)})
        else:  # cross-attention, key length may differ from query length
            lq, lk = rng.randint(1, 8), rng.randint(1, 8)
            data.append({"XQ": _uniform(rng, lq, dq, -1.0, 1.0),
                         "XK": _uniform(rng, lk, dk, -1.0, 1.0),
                         "XV": _uniform(rng, lk, dv, -1.0, 1.0),
                         "Y": _uniform(rng, lq, o, -1.0, 1.0)})
    return {"format": INSTANCE_FORMAT, "alpha": alpha, "beta": beta,
            "weights": weights, "data": data}


def write_json(obj, path):
    # json.dumps writes every float with repr(), the shortest decimal that round-trips, so the
    # decimal in the file is the exact value intended by the double that the reference reads.
    with open(path, "w") as fh:
        json.dump(obj, fh, indent=1)
        fh.write("\n")


def cmd_make(args):
    if args.count < 1:
        raise SystemExit("count (%d) must be >= 1" % args.count)
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    for i in range(args.count):
        write_json(make_instance(rng, i), os.path.join(args.out, f"{i}.json"))
    print(f"wrote {args.count} instances to {args.out} (seed {args.seed})")
    return 0


# --------------------------------------------------------------------------------------------
# grad
# --------------------------------------------------------------------------------------------

def gradient_json(inst, backend):
    name, fn = pick_backend(backend)
    loss, grads = fn(inst)
    return {"format": GRADIENT_FORMAT, "method": f"float64-autograd-{name}", "digits": 17,
            "loss": loss,
            "gradients": {mu: {"A": _rows(grads[mu]["A"]), "B": _rows(grads[mu]["B"])}
                          for mu in ADAPTERS if mu in grads}}


def cmd_grad(args):
    json.dump(gradient_json(load_instance(args.file), args.backend), sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


# --------------------------------------------------------------------------------------------
# compare
# --------------------------------------------------------------------------------------------

def normwise_rel(a, b):
    """max|a - b| / max|b| (0 when both are zero, inf when only b is)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return math.inf
    diff = float(np.max(np.abs(a - b))) if a.size else 0.0
    scale = float(np.max(np.abs(b))) if b.size else 0.0
    if diff == 0.0:
        return 0.0
    if not math.isfinite(diff):
        return math.inf
    return diff / scale if scale > 0 else math.inf


def load_gradient(path):
    with open(path) as fh:
        raw = json.load(fh, parse_float=float)
    if raw.get("format") != GRADIENT_FORMAT:
        raise ValueError(f"format ({raw.get('format')!r}) must be {GRADIENT_FORMAT!r}")
    grads = {mu: {k: np.array([[_num(v) for v in row] for row in g[k]], dtype=np.float64)
                  for k in ("A", "B")}
             for mu, g in raw["gradients"].items()}
    return _num(raw["loss"]), grads


def compare_one(inst, ref_path, backend, tol):
    """Returns (ok, message, errors {label: rel})."""
    loss, grads = pick_backend(backend)[1](inst)
    ref_loss, ref = load_gradient(ref_path)
    errors = {"loss": normwise_rel(loss, ref_loss)}
    problems = []
    if set(ref) != set(grads):
        problems.append(f"adapters {sorted(ref)} in reference, {sorted(grads)} expected")
    for mu in ADAPTERS:
        if mu in grads and mu in ref:
            for k in ("A", "B"):
                if ref[mu][k].shape != grads[mu][k].shape:
                    problems.append(f"{mu}.{k} shape {ref[mu][k].shape} in reference, "
                                    f"{grads[mu][k].shape} expected")
                errors[f"{mu}.{k}"] = normwise_rel(grads[mu][k], ref[mu][k])
    bad = [f"{k}={v:.3e}" for k, v in errors.items() if not v <= tol]
    problems += [f"{b} > {tol:g}" for b in bad]
    return not problems, "; ".join(problems), errors


def cmd_compare(args):
    names = sorted((n for n in os.listdir(args.instance_dir) if n.endswith(".json")),
                   key=lambda n: (len(n), n))
    if not names:
        print(f"no instances (*.json) in {args.instance_dir}", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    backend = pick_backend(args.backend)[0]
    print(f"backend {backend}, tolerance {args.tol:g} (normwise relative, per matrix)")
    passed = failed = 0
    worst = 0.0
    for name in names:
        ref_path = os.path.join(args.ref_dir, name)
        try:
            inst = load_instance(os.path.join(args.instance_dir, name))
            if not os.path.exists(ref_path):
                raise FileNotFoundError(f"no reference file {ref_path}")
            ok, msg, errors = compare_one(inst, ref_path, args.backend, args.tol)
        except Exception as exc:  # a broken or missing reference file is a failure, not a crash
            ok, msg, errors = False, f"{type(exc).__name__}: {exc}", {}
        finite = [v for v in errors.values() if math.isfinite(v)]
        if finite:
            worst = max(worst, max(finite))
        detail = " ".join(f"{k}={v:.2e}" for k, v in errors.items())
        print(f"{'PASS' if ok else 'FAIL'} {name} {detail}" + ("" if ok else f"  [{msg}]"))
        if ok:
            passed += 1
        else:
            failed += 1
    print(f"worst normwise relative error {worst:.3e}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


# --------------------------------------------------------------------------------------------
# selftest
# --------------------------------------------------------------------------------------------

def max_rel(g, h):
    worst = 0.0
    for mu in h:
        for k in ("A", "B"):
            worst = max(worst, normwise_rel(g[mu][k], h[mu][k]))
    return worst


def cmd_selftest(args):
    rng = random.Random(args.seed)
    failures = []
    checks = 0
    backends = ["numpy"] + (["torch"] if HAVE_TORCH else [])
    print(f"backends: {', '.join(backends)}" + ("" if HAVE_TORCH else " (torch not importable)"))
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.count):
            path = os.path.join(tmp, f"{i}.json")
            write_json(make_instance(rng, i), path)
            inst = load_instance(path)
            fd = finite_difference_grads(inst)
            cf = closed_form_grads(inst)
            results = {b: pick_backend(b)[1](inst) for b in backends}
            fl = forward_loss(inst)
            for b, (loss, g) in results.items():
                if set(g) != set(adapted(inst)):
                    failures.append(f"{i}: {b} adapters {sorted(g)}")
                checks += 1
                e_fd = max_rel(g, fd)
                e_cf = max_rel(g, cf)
                e_l = normwise_rel(loss, fl)
                line = (f"instance {i} adapters={''.join(adapted(inst))} "
                        f"points={len(inst['data'])} {b}: vs FD {e_fd:.2e}, "
                        f"vs closed form {e_cf:.2e}, loss {e_l:.2e}")
                print(line)
                if not e_fd <= FD_TOLERANCE:
                    failures.append(f"{line}: FD error > {FD_TOLERANCE:g}")
                if not e_cf <= AGREE_TOLERANCE or not e_l <= AGREE_TOLERANCE:
                    failures.append(f"{line}: float64 disagreement > {AGREE_TOLERANCE:g}")
            if len(results) == 2:
                checks += 1
                e = max_rel(results["numpy"][1], results["torch"][1])
                if not e <= AGREE_TOLERANCE:
                    failures.append(f"instance {i}: numpy tape vs torch {e:.2e}")

        # The comparator: our own gradients as the "reference" must pass; a perturbation of
        # 1e-8 (relative to the matrix scale) in one entry, or a dropped adapter, must fail.
        inst_dir, ref_dir = os.path.join(tmp, "inst"), os.path.join(tmp, "ref")
        os.makedirs(inst_dir)
        os.makedirs(ref_dir)
        for i in range(3):
            write_json(make_instance(rng, i), os.path.join(inst_dir, f"{i}.json"))
            g = gradient_json(load_instance(os.path.join(inst_dir, f"{i}.json")), "numpy")
            write_json(g, os.path.join(ref_dir, f"{i}.json"))
        ok = all(compare_one(load_instance(os.path.join(inst_dir, f"{i}.json")),
                             os.path.join(ref_dir, f"{i}.json"), "auto", COMPARE_TOLERANCE)[0]
                 for i in range(3))
        checks += 1
        if not ok:
            failures.append("comparator rejected exact reference files")
        g = gradient_json(load_instance(os.path.join(inst_dir, "0.json")), "numpy")
        mu = next(iter(g["gradients"]))
        a = g["gradients"][mu]["A"]
        scale = max(abs(v) for row in a for v in row)
        a[0][0] += 1e-8 * scale
        bad_path = os.path.join(ref_dir, "bad.json")
        write_json(g, bad_path)
        checks += 1
        if compare_one(load_instance(os.path.join(inst_dir, "0.json")), bad_path, "auto",
                       COMPARE_TOLERANCE)[0]:
            failures.append("comparator accepted a 1e-8 perturbation")
        del g["gradients"][mu]
        write_json(g, bad_path)
        checks += 1
        if compare_one(load_instance(os.path.join(inst_dir, "0.json")), bad_path, "auto",
                       COMPARE_TOLERANCE)[0]:
            failures.append("comparator accepted a missing adapter")

    for f in failures:
        print("FAIL " + f)
    print(f"{checks - len(failures)} passed, {len(failures)} failed")
    return 0 if not failures else 1


# --------------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backend", choices=("auto", "torch", "numpy"), default="auto",
                    help="autograd backend (default: torch if importable, else numpy tape)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("make", help="write random instances")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--count", type=int, required=True)
    p = sub.add_parser("grad", help="print float64 autograd loss and gradients")
    p.add_argument("file")
    p = sub.add_parser("compare", help="compare autograd with reference gradient files")
    p.add_argument("instance_dir")
    p.add_argument("ref_dir")
    p.add_argument("--tol", type=float, default=COMPARE_TOLERANCE)
    p = sub.add_parser("decimal-ref", help="closed-form decimal stand-in for the Java reference")
    p.add_argument("file")
    p.add_argument("--digits", type=int, default=30)
    p = sub.add_parser("selftest", help="autograd vs finite differences and closed forms")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--count", type=int, default=8)
    args = ap.parse_args(argv)
    return {"make": cmd_make, "grad": cmd_grad, "compare": cmd_compare,
            "selftest": cmd_selftest, "decimal-ref": cmd_decimal_ref}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
