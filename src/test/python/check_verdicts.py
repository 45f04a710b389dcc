#!/usr/bin/env python3
"""Verdicts of `lora-limits check` on correct and seeded-bug implementations (issue 8).

For a fixed set of instances (classes: well-conditioned, square, nearly one-hot softmax rows,
an exactly-zero reference matrix, Y equal to the float64 output, beta 50, scores of magnitude
~500 and ~1e4, and with --big long sequences) this script runs

  correct implementations   torch float64 autograd with merged weights; torch float64 in the
                            PEFT order (unmerged: X W* + s (X B) A); torch float32 autograd
                            (inputs cast to float32); `./lora-limits gradient --method exact`;
  seeded bugs               forward-formula changes in the torch float64 model (autograd for
                            the backward) and two output bugs (V gradient transposed, a
                            relative error of 1e-11 in one gradient entry),

and records for each candidate

  (a) old   `check --rtol 1e-9 --atol 0` (the fixed tolerance before issue 8);
  (b) new   plain `check` (its default) once `check --help` lists `--precision`, and for the
            float32 implementation also `check --precision float32`; "n/a" without it;
  (c) torch.autograd.gradcheck of a Function whose forward is the candidate's loss and whose
      backward returns the candidate's own gradients (float64 inputs, default eps/atol/rtol):
      it tests that the candidate's gradients are the derivatives of ITS loss, so a bug in the
      forward formula passes and only a bug in the gradient output fails;
  (d) numpy.allclose(candidate, reference, rtol=1e-5) (default atol 1e-8) for the loss and every
      gradient matrix, the reference being `gradient --method reference --digits 30` read as
      float64.

Output: a Markdown table on stdout and in --out FILE; --keep DIR keeps the instances, the
references, the candidates and the raw `check --json` output with the time of every check.

Usage (from the repository root, after `mvn -B -q -o package -DskipTests`):

    /usr/bin/python3 src/test/python/check_verdicts.py --out /tmp/verdicts.md --keep /tmp/verdicts
    /usr/bin/python3 src/test/python/check_verdicts.py --big --big-lengths 256,1024

Standard library + numpy + torch only.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

INSTANCE_FORMAT = "lora-attention-instance/1"
GRADIENT_FORMAT = "lora-attention-gradient/1"
ADAPTERS = ("Q", "K", "V")

# (a) the tolerance `check` used before issue 8 (spec/CHECK.md: rtol 1e-9, atol 0).
OLD_TOLERANCE = ("--rtol", "1e-9", "--atol", "0")
# (d) the tolerance a PyTorch user typically writes for a float32/float64 comparison; numpy's
# default atol (1e-8) is kept on purpose, it is part of what is measured.
ALLCLOSE_RTOL = 1e-5
# Digits of the reference read back as float64 for allclose: 30 digits leave 13 beyond what a
# double can hold, so the parsed reference is the double nearest the exact value.
REFERENCE_DIGITS = 30
# Digits for the long-sequence instances (--big), for `check` and for the allclose reference:
# the reference costs ~L^2 d times a factor growing with the digits; 20 digits still exceed
# float64's 17 by three.
BIG_DIGITS = 20
# The injected output error: a relative error of 1e-11 in one entry, below the old rtol 1e-9
# (so the old check passes it) and ~1e5 ulps above float64 rounding (so a precision-aware check
# that knows the candidate's error should be ~1e-15 can see it).
INJECTED_RELATIVE_ERROR = 1e-11
# Target score magnitudes max |S| of the instance classes (see build_instances).
WELL_MAX_SCORE = 4.0
# One-hot class: every softmax row has its two largest scores at least this far apart, so the
# off-peak weights are below e^-30 ~ 1e-13 and the Q/K gradients are that small relative to
# the peak terms that cancel in them.
ONEHOT_MIN_GAP = 30.0
BIG_MAX_SCORE = 500.0
HUGE_MAX_SCORE = 1e4
BETA_LARGE = 50.0


# ------------------------------------------------------------------------------------------
# Instances: numpy float64 arrays; written to JSON as the shortest decimal of each double
# ------------------------------------------------------------------------------------------

def short(a, sig=3):
    """Round every entry to `sig` significant digits (short decimals in the JSON)."""
    return np.vectorize(lambda v: float(f"{v:.{sig}g}"), otypes=[np.float64])(np.asarray(a))


def uniform(rng, shape, scale=1.0):
    return short(rng.uniform(-1.0, 1.0, size=shape) * scale)


def adapted(inst):
    return [mu for mu in ADAPTERS if "A" in inst["weights"][mu]]


def copy_instance(inst):
    out = {k: v for k, v in inst.items() if k not in ("weights", "data")}
    out["weights"] = {mu: {k: v.copy() for k, v in w.items()} for mu, w in inst["weights"].items()}
    out["data"] = [{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in p.items()}
                   for p in inst["data"]]
    return out


def instance_json(inst):
    """The instance as `lora-attention-instance/1` text (Python repr of each double)."""
    weights = {}
    for mu in ADAPTERS:
        w = inst["weights"][mu]
        weights[mu] = {k: w[k].tolist() for k in ("W", "A", "B") if k in w}
    data = []
    for p in inst["data"]:
        if p["self"]:
            data.append({"X": p["XQ"].tolist(), "Y": p["Y"].tolist()})
        else:
            data.append({k: p[k].tolist() for k in ("XQ", "XK", "XV", "Y")})
    doc = {"format": INSTANCE_FORMAT, "name": inst["name"], "comment": inst.get("comment", ""),
           "alpha": inst["alpha"], "beta": inst["beta"], "weights": weights, "data": data}
    return json.dumps(doc)


def self_point(x, y):
    return {"self": True, "XQ": x, "XK": x, "XV": x, "Y": y}


def cross_point(xq, xk, xv, y):
    return {"self": False, "XQ": xq, "XK": xk, "XV": xv, "Y": y}


def scale_inputs(inst, c, sig=3):
    """Multiply every X by c (scores scale by c^2), short decimals again."""
    out = copy_instance(inst)
    for p in out["data"]:
        if p["self"]:
            x = short(p["XQ"] * c, sig)
            p["XQ"] = p["XK"] = p["XV"] = x
        else:
            p["XQ"], p["XK"], p["XV"] = (short(p[k] * c, sig) for k in ("XQ", "XK", "XV"))
    return out


def merged_weights(inst):
    out = {}
    for mu in ADAPTERS:
        w = inst["weights"][mu]
        out[mu] = w["W"] + (inst["alpha"] / w["A"].shape[0]) * (w["B"] @ w["A"]) if "A" in w \
            else w["W"]
    return out


def score_stats(inst):
    """max |S| and the smallest and median gap between the two largest scores of a row."""
    W = merged_weights(inst)
    top, gaps = 0.0, []
    for p in inst["data"]:
        s = inst["beta"] * (p["XQ"] @ W["Q"]) @ (p["XK"] @ W["K"]).T
        top = max(top, float(np.abs(s).max()))
        if s.shape[1] > 1:
            srt = np.sort(s, axis=1)
            gaps.extend((srt[:, -1] - srt[:, -2]).tolist())
    return top, (min(gaps) if gaps else float("nan")), (float(np.median(gaps)) if gaps else float("nan"))


def describe(inst):
    dq = inst["weights"]["Q"]["W"].shape[0]
    dk = inst["weights"]["K"]["W"].shape[0]
    dv, o = inst["weights"]["V"]["W"].shape
    h = inst["weights"]["Q"]["W"].shape[1]
    ranks = "/".join(str(inst["weights"][mu]["A"].shape[0]) for mu in adapted(inst))
    pts = ", ".join(("self L=%d" % p["XQ"].shape[0]) if p["self"]
                    else ("cross Lq=%d Lk=%d" % (p["XQ"].shape[0], p["XK"].shape[0]))
                    for p in inst["data"])
    top, gmin, gmed = score_stats(inst)
    widths = f"d={dq}" if dq == dk == dv else f"dq={dq} dk={dk} dv={dv}"
    return (f"{widths} h={h} o={o}, r_Q/r_K/r_V={ranks}, alpha={inst['alpha']:g}, "
            f"beta={inst['beta']:g}; {pts}; max|S|={top:.3g}, top-two score gap "
            f"min {gmin:.3g} median {gmed:.3g}")


def rectangular_base(rng):
    """d = 4 inputs, head width h = 3, output o = 2, ranks 2/1/3, alpha 5 (s = 2.5, 5, 5/3);
    a self-attention point (L = 10) and a cross-attention point (Lq = 8, Lk = 13)."""
    d, h, o, ranks = 4, 3, 2, {"Q": 2, "K": 1, "V": 3}
    cols = {"Q": h, "K": h, "V": o}
    weights = {mu: {"W": uniform(rng, (d, cols[mu])), "A": uniform(rng, (ranks[mu], cols[mu])),
                    "B": uniform(rng, (d, ranks[mu]))} for mu in ADAPTERS}
    data = [self_point(uniform(rng, (10, d)), uniform(rng, (10, o))),
            cross_point(uniform(rng, (8, d)), uniform(rng, (13, d)), uniform(rng, (13, d)),
                        uniform(rng, (8, o)))]
    return {"name": "base", "alpha": 5.0, "beta": 1.0, "weights": weights, "data": data}


def square_base(rng):
    """d = h = o = r = 3 for every adapter (so A B, W^T and a transposed V gradient keep the
    shapes); a self-attention point (L = 9) and a cross-attention point with Lq = Lk = 7."""
    d = 3
    weights = {mu: {"W": uniform(rng, (d, d)), "A": uniform(rng, (d, d)), "B": uniform(rng, (d, d))}
               for mu in ADAPTERS}
    data = [self_point(uniform(rng, (9, d)), uniform(rng, (9, d))),
            cross_point(uniform(rng, (7, d)), uniform(rng, (7, d)), uniform(rng, (7, d)),
                        uniform(rng, (7, d)))]
    return {"name": "base", "alpha": 5.0, "beta": 1.0, "weights": weights, "data": data}


def with_beta_for_score(inst, target):
    out = copy_instance(inst)
    out["beta"] = 1.0
    top = score_stats(out)[0]
    out["beta"] = float(short(target / top, 2))
    return out


def with_inputs_for_score(inst, target):
    """Scale the inputs X so that max |S| is about `target` (scores grow with X^2)."""
    top = score_stats(inst)[0]
    return scale_inputs(inst, float(np.sqrt(target / top)), sig=4)


def one_hot_instance(rng, well):
    """The weights of `well` with beta 50 and two cross-attention points (Lq = 10, Lk = 12 and
    Lq = 8, Lk = 13) whose query rows are drawn until every row's top-two score gap is at least
    ONEHOT_MIN_GAP (rejection sampling; the keys are U(-1,1))."""
    inst = copy_instance(well)
    inst["beta"] = BETA_LARGE
    W = merged_weights(inst)
    d, o = inst["weights"]["Q"]["W"].shape[0], inst["weights"]["V"]["W"].shape[1]
    data = []
    for lq, lk in ((10, 12), (8, 13)):
        xk, xv, y = uniform(rng, (lk, d)), uniform(rng, (lk, d)), uniform(rng, (lq, o))
        km = xk @ W["K"]
        rows = []
        while len(rows) < lq:
            x = uniform(rng, (1, d))
            srt = np.sort((inst["beta"] * (x @ W["Q"]) @ km.T)[0])
            if srt[-1] - srt[-2] >= ONEHOT_MIN_GAP:
                rows.append(x[0])
        data.append(cross_point(np.array(rows), xk, xv, y))
    inst["data"] = data
    return inst


def long_instance(rng, L, d, h, o, ranks):
    weights = {mu: {"W": uniform(rng, (d, {"Q": h, "K": h, "V": o}[mu])),
                    "A": uniform(rng, (ranks[mu], {"Q": h, "K": h, "V": o}[mu])),
                    "B": uniform(rng, (d, ranks[mu]))} for mu in ADAPTERS}
    inst = {"name": "base", "alpha": 2.0, "beta": 1.0, "weights": weights,
            "data": [self_point(uniform(rng, (L, d)), uniform(rng, (L, o)))]}
    return with_beta_for_score(inst, WELL_MAX_SCORE)


def build_instances(seed, big_lengths):
    """Instance classes, in table order: name -> (instance, reference digits)."""
    rng = np.random.default_rng(seed)
    well = with_beta_for_score(rectangular_base(rng), WELL_MAX_SCORE)
    square = with_beta_for_score(square_base(rng), WELL_MAX_SCORE)
    out = {}

    def add(name, inst, comment, digits=None):
        inst = copy_instance(inst)
        inst["name"] = name
        inst["comment"] = comment
        out[name] = (inst, digits)

    add("well", well, "well-conditioned random, entries U(-1,1) in 3 digits, max|S| ~ 4")
    add("square", square, "well-conditioned, square weights and r = d (for the shape-keeping bugs)")
    add("one-hot", one_hot_instance(rng, well),
        "nearly one-hot softmax rows: weights of 'well', beta 50, query rows drawn until every "
        "row's top-two score gap is >= %g" % ONEHOT_MIN_GAP)
    zero = copy_instance(well)
    zero["weights"]["Q"]["B"][:] = 0.0  # dLoss/dA_Q = s_Q B_Q^T G_WQ = 0 exactly
    zero["weights"]["V"]["A"][:] = 0.0  # dLoss/dB_V = s_V G_WV A_V^T = 0 exactly
    add("zero-matrix", zero, "'well' with B_Q = 0 and A_V = 0: dLoss/dA_Q = 0 and dLoss/dB_V = 0 exactly")
    y_out = copy_instance(well)
    z = torch_model(y_out, torch.float64, "merged").detach_outputs()
    for p, zi in zip(y_out["data"], z):
        p["Y"] = np.vectorize(lambda v: float(f"{v:.16e}"), otypes=[np.float64])(zi)
    add("Y=output", y_out, "'well' with Y := its float64 output Z (17 digits): residual ~1e-17")
    beta50 = scale_inputs(well, float(np.sqrt(well["beta"] / BETA_LARGE)), sig=4)
    beta50["beta"] = BETA_LARGE
    add("beta 50", beta50, "'well' with beta = 50 and inputs scaled down by sqrt(beta_well/50) (max|S| ~ 4)")
    add("scores ~500", with_inputs_for_score(well, BIG_MAX_SCORE),
        "inputs of 'well' scaled so that max|S| ~ 500")
    add("scores ~1e4", with_inputs_for_score(well, HUGE_MAX_SCORE),
        "inputs of 'well' scaled so that max|S| ~ 1e4")
    for L in big_lengths:
        if L <= 256:
            inst = long_instance(rng, L, 2, 1, 2, {"Q": 1, "K": 1, "V": 2})
        else:
            inst = long_instance(rng, L, 1, 1, 1, {"Q": 1, "K": 1, "V": 1})
        add(f"long L={L}", inst, f"one self-attention point, L = {L}, max|S| ~ 4", BIG_DIGITS)
    return out


# ------------------------------------------------------------------------------------------
# The torch model and its seeded bugs
# ------------------------------------------------------------------------------------------

# Forward-formula bugs: each changes one step of the forward pass; autograd gives the backward.
FORWARD_BUGS = {
    "missing alpha/r": "no_scale",        # W = W* + B A
    "A/B swapped in the merge": "ab_swap",  # W = W* + s A B (square, r = d)
    "W transposed": "w_transposed",       # X W^T (square)
    "beta dropped": "no_beta",            # S = Q K^T
    "softmax over the wrong axis": "softmax_axis",  # column softmax
    "mean instead of sum in the loss": "mean_loss",  # 1/2 mean of (Z - Y)^2 per point
    "K/Q swapped (S = K Q^T)": "kq_swap",  # needs Lq = Lk
    "off-by-one row (Y rolled by one row)": "y_rolled",
    "per-adapter rank confused (alpha/r_Q for all)": "rank_confused",
}


class TorchResult:
    def __init__(self, loss, params, outputs):
        self.loss, self.params, self.outputs = loss, params, outputs

    def detach_outputs(self):
        return [z.detach().to(torch.float64).numpy() for z in self.outputs]


def torch_model(inst, dtype, variant):
    """Loss of the instance in `dtype`; `variant` is "merged", "peft" or a FORWARD_BUGS value."""
    def t(a):
        return torch.tensor(a, dtype=dtype)

    alpha, beta = inst["alpha"], inst["beta"]
    params, proj = {}, {}
    r_q = inst["weights"]["Q"]["A"].shape[0] if "A" in inst["weights"]["Q"] else None
    for mu in ADAPTERS:
        w = inst["weights"][mu]
        w_star = t(w["W"])
        if "A" not in w:
            proj[mu] = (lambda x, w_star=w_star: x @ w_star)
            continue
        a = t(w["A"]).requires_grad_(True)
        b = t(w["B"]).requires_grad_(True)
        params[mu] = (a, b)
        s = alpha / (r_q if variant == "rank_confused" else a.shape[0])
        if variant == "no_scale":
            s = 1.0
        if variant == "peft":
            proj[mu] = (lambda x, w_star=w_star, a=a, b=b, s=s: x @ w_star + s * ((x @ b) @ a))
        elif variant == "ab_swap":
            merged = w_star + s * (a @ b)
            proj[mu] = (lambda x, m=merged: x @ m)
        elif variant == "w_transposed":
            merged = w_star + s * (b @ a)
            proj[mu] = (lambda x, m=merged: x @ m.T)
        else:
            merged = w_star + s * (b @ a)
            proj[mu] = (lambda x, m=merged: x @ m)
    total = torch.zeros((), dtype=dtype)
    outputs = []
    for p in inst["data"]:
        qm, km, vm = proj["Q"](t(p["XQ"])), proj["K"](t(p["XK"])), proj["V"](t(p["XV"]))
        if variant == "kq_swap":
            s_ = beta * (km @ qm.T)
        elif variant == "no_beta":
            s_ = qm @ km.T
        else:
            s_ = beta * (qm @ km.T)
        f = torch.softmax(s_, dim=0 if variant == "softmax_axis" else 1)
        z = f @ vm
        outputs.append(z)
        y = t(p["Y"])
        if variant == "y_rolled":
            y = torch.roll(y, 1, dims=0)
        sq = (z - y) ** 2
        total = total + 0.5 * (sq.mean() if variant == "mean_loss" else sq.sum())
    return TorchResult(total, params, outputs)


def torch_candidate(dtype, variant):
    def evaluate(inst):
        with torch.enable_grad():  # also inside gradcheck's Function.forward (no_grad there)
            res = torch_model(inst, dtype, variant)
            if res.params:
                res.loss.backward()
        grads = {mu: {"A": a.grad.to(torch.float64).numpy().copy(),
                      "B": b.grad.to(torch.float64).numpy().copy()}
                 for mu, (a, b) in res.params.items()}
        return float(res.loss.item()), grads
    return evaluate


def transposed_v(evaluate):
    """Output bug: the V gradients written transposed (square, r_V = d = o)."""
    def wrapped(inst):
        loss, grads = evaluate(inst)
        grads["V"] = {k: v.T.copy() for k, v in grads["V"].items()}
        return loss, grads
    return wrapped


def injected_error(evaluate, relative):
    """Output bug: one entry (the largest |entry| of dLoss/dA_V) times (1 + relative)."""
    def wrapped(inst):
        loss, grads = evaluate(inst)
        g = grads["V"]["A"]
        idx = np.unravel_index(np.argmax(np.abs(g)), g.shape)
        g[idx] = g[idx] * (1.0 + relative)
        return loss, grads
    return wrapped


# ------------------------------------------------------------------------------------------
# The CLI
# ------------------------------------------------------------------------------------------

class Cli:
    def __init__(self, launcher, scratch):
        self.launcher = launcher
        self.scratch = scratch
        self.counter = 0

    def run(self, *args):
        t0 = time.monotonic()
        proc = subprocess.run([self.launcher, *args], capture_output=True, text=True)
        return proc, time.monotonic() - t0

    def has_precision(self):
        proc, _ = self.run("check", "--help")
        return "--precision" in proc.stdout + proc.stderr

    def exact_candidate(self, inst):
        """`gradient --method exact` on the instance: (loss, grads, raw JSON text)."""
        self.counter += 1
        path = os.path.join(self.scratch, f"exact-{self.counter}.json")
        with open(path, "w") as fh:
            fh.write(instance_json(inst))
        proc, _ = self.run("gradient", "--method", "exact", path)
        os.remove(path)
        if proc.returncode != 0:
            raise RuntimeError("gradient --method exact failed: " + proc.stderr.strip())
        doc = json.loads(proc.stdout)
        return parse_gradient(doc) + (proc.stdout,)


def parse_gradient(doc):
    grads = {mu: {k: np.array(v[k], dtype=np.float64) for k in ("A", "B")}
             for mu, v in doc["gradients"].items()}
    return float(doc["loss"]), grads


def candidate_json(method, loss, grads):
    doc = {"format": GRADIENT_FORMAT, "method": method, "digits": 17, "loss": float(loss),
           "gradients": {mu: {"A": grads[mu]["A"].tolist(), "B": grads[mu]["B"].tolist()}
                         for mu in ADAPTERS if mu in grads}}
    return json.dumps(doc)


def short_matrix_name(name):
    return name.replace("dLoss/d", "d")


def summarise_check(proc):
    """One table cell from a `check --json` run."""
    if proc.returncode == 2 or not proc.stdout.strip():
        return "unusable: " + (proc.stderr.strip().splitlines() or ["(no message)"])[0]
    doc = json.loads(proc.stdout)
    mats = doc.get("matrices", [])
    verdict = doc.get("verdict", "?").upper()
    if verdict == "PASS":
        worst = max((m.get("relativeError", 0.0) for m in mats), default=0.0)
        return f"PASS (worst {worst:.1e})"
    failing = sorted((m for m in mats if m.get("verdict") != "pass"),
                     key=lambda m: -m.get("relativeError", 0.0))
    parts = [f"{short_matrix_name(m['name'])} {m.get('relativeError', float('nan')):.1e}"
             for m in failing[:2]]
    more = f" +{len(failing) - 2}" if len(failing) > 2 else ""
    return f"FAIL ({', '.join(parts)}{more})"


# ------------------------------------------------------------------------------------------
# (c) gradcheck and (d) allclose
# ------------------------------------------------------------------------------------------

def param_list(inst):
    return [(mu, k) for mu in adapted(inst) for k in ("A", "B")]


def run_gradcheck(evaluate, inst, fast_mode=False):
    """gradcheck of loss(params) with the candidate's own gradients as backward.

    fast_mode (torch's option) compares one random directional derivative per input tensor
    instead of the full Jacobian: 2 forward calls per adapter matrix instead of 2 per entry."""
    names = param_list(inst)

    class CandidateLoss(torch.autograd.Function):
        @staticmethod
        def forward(ctx, *tensors):
            trial = copy_instance(inst)
            for (mu, k), tns in zip(names, tensors):
                trial["weights"][mu][k] = tns.detach().numpy().astype(np.float64).copy()
            loss, grads = evaluate(trial)
            ctx.grads = [torch.tensor(grads[mu][k], dtype=torch.float64) for mu, k in names]
            return torch.tensor(loss, dtype=torch.float64)

        @staticmethod
        def backward(ctx, g):
            if g is None:
                return tuple(torch.zeros_like(x) for x in ctx.grads)
            return tuple(g * x for x in ctx.grads)

    inputs = tuple(torch.tensor(inst["weights"][mu][k], dtype=torch.float64, requires_grad=True)
                   for mu, k in names)
    try:
        ok = torch.autograd.gradcheck(lambda *x: CandidateLoss.apply(*x), inputs,
                                      raise_exception=False, fast_mode=fast_mode)
    except Exception as exc:  # a candidate that cannot even be evaluated
        return f"error: {exc}".splitlines()[0]
    return "PASS" if ok else "FAIL"


def run_allclose(loss, grads, ref_loss, ref_grads):
    failing = []
    if not np.allclose(np.array([loss]), np.array([ref_loss]), rtol=ALLCLOSE_RTOL):
        failing.append("loss")
    for mu in ref_grads:
        for k in ("A", "B"):
            c, r = grads[mu][k], ref_grads[mu][k]
            if c.shape != r.shape or not np.allclose(c, r, rtol=ALLCLOSE_RTOL):
                failing.append(f"d{k}_{mu}")
    return "PASS" if not failing else "FAIL (" + ", ".join(failing) + ")"


# ------------------------------------------------------------------------------------------
# Rows
# ------------------------------------------------------------------------------------------

def slug(text):
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--launcher", default=os.path.join(here, "..", "..", "..", "lora-limits"))
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--out", help="write the Markdown table to this file too")
    ap.add_argument("--keep", help="directory for instances, references, candidates, raw check output")
    ap.add_argument("--big", action="store_true", help="add the long-sequence instances")
    ap.add_argument("--big-lengths", default="256,1024,4096",
                    help="sequence lengths of --big (default 256,1024,4096)")
    ap.add_argument("--cli-gradcheck", choices=("fast", "full", "skip"), default="fast",
                    help="gradcheck of the `gradient --method exact` candidate, whose forward is "
                         "one CLI run: fast (default) = torch's fast_mode, 2 runs per adapter "
                         "matrix; full = 2 runs per adapter entry (~80 runs per instance); skip")
    ap.add_argument("--classes", help="comma-separated instance classes to run (default: all; "
                    "the bug rows run when their class is included)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)  # gradcheck's fast_mode draws random directions

    started = time.monotonic()
    keep = os.path.abspath(a.keep) if a.keep else tempfile.mkdtemp(prefix="check-verdicts-")
    os.makedirs(os.path.join(keep, "instances"), exist_ok=True)
    cli = Cli(os.path.abspath(a.launcher), keep)
    precision = cli.has_precision()
    big = [int(x) for x in a.big_lengths.split(",") if x.strip()] if a.big else []
    instances = build_instances(a.seed, big)
    if a.classes:
        wanted = [c.strip() for c in a.classes.split(",")]
        unknown = [c for c in wanted if c not in instances]
        if unknown:
            sys.exit(f"--classes: unknown {unknown}; known: {', '.join(instances)}")
        instances = {k: v for k, v in instances.items() if k in wanted}

    correct = [
        ("torch float64 merged", "torch-float64-merged", torch_candidate(torch.float64, "merged")),
        ("torch float64 PEFT order", "torch-float64-peft", torch_candidate(torch.float64, "peft")),
        ("torch float32", "torch-float32", torch_candidate(torch.float32, "merged")),
        ("lora-limits exact", "exact", None),
    ]
    merged64 = torch_candidate(torch.float64, "merged")
    bug_rows = []
    for label, variant in FORWARD_BUGS.items():
        cls = "square" if variant in ("ab_swap", "w_transposed", "kq_swap") else "well"
        bug_rows.append((f"bug: {label}", "bug-" + variant, torch_candidate(torch.float64, variant), cls))
    bug_rows.append(("bug: V gradient transposed (output)", "bug-v-transposed",
                     transposed_v(merged64), "square"))
    bug_rows.append(("bug: 1e-11 relative error in one entry (output)", "bug-injected-1e-11",
                     injected_error(merged64, INJECTED_RELATIVE_ERROR), "well"))

    rows = [(label, method, ev, cls) for cls in instances for (label, method, ev) in correct]
    rows += [r for r in bug_rows if r[3] in instances]

    references, results = {}, []
    for cls, (inst, digits) in instances.items():
        path = os.path.join(keep, "instances", slug(cls) + ".json")
        with open(path, "w") as fh:
            fh.write(instance_json(inst))
        ref_digits = str(digits or REFERENCE_DIGITS)
        proc, secs = cli.run("gradient", "--method", "reference", "--digits", ref_digits, path)
        if proc.returncode != 0:
            sys.exit(f"reference failed on {cls}: {proc.stderr.strip()}")
        with open(os.path.join(keep, "instances", slug(cls) + ".reference.json"), "w") as fh:
            fh.write(proc.stdout)
        references[cls] = (path, parse_gradient(json.loads(proc.stdout)), secs)
        print(f"[{time.monotonic() - started:7.1f}s] reference {cls}: {secs:.1f}s; {describe(inst)}",
              file=sys.stderr, flush=True)

    for label, method, evaluate, cls in rows:
        inst, digits = instances[cls]
        inst_path, (ref_loss, ref_grads), _ = references[cls]
        rowdir = os.path.join(keep, slug(cls), method)
        os.makedirs(rowdir, exist_ok=True)
        cand_path = os.path.join(rowdir, "candidate.json")
        if evaluate is None:  # our exact algorithm through the CLI
            loss, grads, raw = cli.exact_candidate(inst)
            evaluate = (lambda i: cli.exact_candidate(i)[:2])
        else:
            loss, grads = evaluate(inst)
            raw = candidate_json(method, loss, grads)
        with open(cand_path, "w") as fh:
            fh.write(raw)
        extra = ("--digits", str(digits)) if digits else ()
        runs = {"old": OLD_TOLERANCE}
        if precision:
            runs["new"] = ()
            if method == "torch-float32":
                runs["new-float32"] = ("--precision", "float32")
        cells, times = {}, {}
        for key, opts in runs.items():
            proc, secs = cli.run("check", "--json", *opts, *extra,
                                 "--instance", inst_path, "--candidate", cand_path)
            with open(os.path.join(rowdir, f"check-{key}.json"), "w") as fh:
                fh.write(proc.stdout if proc.stdout else proc.stderr)
            cells[key], times[key] = summarise_check(proc), secs
        if not precision:
            new = "n/a"
        elif "new-float32" in cells:
            new = f"{cells['new']}; float32: {cells['new-float32']}"
        else:
            new = cells["new"]
        if method == "exact" and a.cli_gradcheck == "skip":
            grad_cell, gsecs = "skipped", 0.0
        else:
            t0 = time.monotonic()
            fast = method == "exact" and a.cli_gradcheck == "fast"
            grad_cell = run_gradcheck(evaluate, inst, fast_mode=fast)
            if fast:
                grad_cell += " (fast_mode)"
            gsecs = time.monotonic() - t0
        close = run_allclose(loss, grads, ref_loss, ref_grads)
        row = {"implementation": label, "class": cls, "old": cells["old"], "new": new,
               "gradcheck": grad_cell, "allclose": close,
               "check_seconds": {k: round(v, 2) for k, v in times.items()},
               "gradcheck_seconds": round(gsecs, 2)}
        with open(os.path.join(rowdir, "row.json"), "w") as fh:
            json.dump(row, fh, indent=1)
        results.append(row)
        print(f"[{time.monotonic() - started:7.1f}s] {label} / {cls}: old {cells['old']}; "
              f"new {new}; gradcheck {grad_cell}; allclose {close}", file=sys.stderr, flush=True)

    elapsed = time.monotonic() - started
    lines = ["| implementation / bug | instance class | old (`--rtol 1e-9 --atol 0`) | "
             "new (default`check`) | gradcheck | allclose (rtol 1e-5) | check s |",
             "|---|---|---|---|---|---|---|"]
    lines[0] = lines[0].replace("default`check`", "default `check`")
    for r in results:
        secs = "/".join(f"{v:.1f}" for v in r["check_seconds"].values())
        lines.append(f"| {r['implementation']} | {r['class']} | {r['old']} | {r['new']} | "
                     f"{r['gradcheck']} | {r['allclose']} | {secs} |")
    lines.append("")
    lines.append("Instance classes (seed %d):" % a.seed)
    lines.append("")
    for cls, (inst, digits) in instances.items():
        ref_secs = references[cls][2]
        dig = f"; check and reference with --digits {digits}" if digits else ""
        lines.append(f"- **{cls}**: {inst['comment']}. {describe(inst)}; reference "
                     f"({digits or REFERENCE_DIGITS} digits) {ref_secs:.1f} s{dig}.")
    lines.append("")
    lines.append("Verdict cells: PASS (worst normwise relative error over all matrices) or FAIL "
                 "(the failing matrices with the largest relative errors, +n more); "
                 "`check --precision` " + ("supported" if precision else
                                          "not supported by this build: column 'new' is n/a")
                 + f". Total run time {elapsed:.0f} s.")
    table = "\n".join(lines) + "\n"
    sys.stdout.write(table)
    if a.out:
        with open(a.out, "w") as fh:
            fh.write(table)
    with open(os.path.join(keep, "results.json"), "w") as fh:
        json.dump({"seed": a.seed, "precision_supported": precision, "seconds": round(elapsed, 1),
                   "rows": results}, fh, indent=1)
    if not a.keep:
        shutil.rmtree(keep, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
