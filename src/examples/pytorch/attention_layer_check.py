#!/usr/bin/env python3
"""Check a PyTorch multi-head causal attention layer with LoRA against the lora-limits reference.

The layer is written the way transformer libraries write it: q_proj, k_proj, v_proj, o_proj as
bias-free nn.Linear weights (y = x W^T), the projections viewed as H heads, a causal mask
(torch.tril, PyTorch's is_causal=True alignment: "top-left"), softmax(beta Q K^T) per head, the
heads concatenated and o_proj applied; PEFT-style LoRA (W + (alpha/r) B A, lora_A r x in,
lora_B out x r) on q_proj and v_proj, PEFT's default target modules. Loss: 1/2 ||out - Y||_F^2
over a batch of two sequences of different lengths.

It writes the layer as a lora-attention-instance/2 file (spec/FORMATS.md section 5; every double
written as its exact decimal, so the reference sees exactly the numbers torch used), runs
`./lora-limits layer --digits 30` on it, and compares torch's autograd gradients in float64 and
float32 with the certified reference, matrix by matrix, as max|torch - reference| / M (M the
reference matrix's largest magnitude).

Expected: float64 within FLOAT64_ALLOWED, float32 beyond it and within FLOAT32_ALLOWED. Then the
same verdicts from `lora-limits layer --candidate`: the default rule (precision-aware float64: a
per-entry bound on the error of a correct float64 implementation of this layer,
proofs-notes/CHECK-TOLERANCE.md Section 7) passes float64 and fails float32; `--precision float32`
passes float32; the fixed rule (`--rtol`) still works; the JSON report names the rule. Exit 0 when
all hold, 1 otherwise. Standard library + torch (+ numpy for the .npz files).
"""
import argparse
import decimal
import json
import os
import subprocess
import sys
import tempfile

import torch

# A correct float64 evaluation of this small layer (entries below 1, 4-6 keys, widths <= 8) errs
# by a few hundred units of 2^-53 ~ 1.1e-16 relative to M; 1e-12 leaves a factor of 100 and is
# still far below what any formula error gives (a fraction of M). float32 (2^-24 ~ 6e-8) errs by
# about 1e-7..1e-5 relative to M: beyond 1e-12, within 1e-3.
FLOAT64_ALLOWED = 1e-12
FLOAT32_ALLOWED = 1e-3

H, HEAD, DIN, DOUT, R, ALPHA, BETA = 2, 3, 5, 4, 2, 8.0, 0.5
LENGTHS = (4, 6)


def build(seed):
    g = torch.Generator().manual_seed(seed)
    def rnd(*shape, scale=1.0):
        return (torch.rand(*shape, generator=g, dtype=torch.float64) * 2 - 1) * scale
    p = {}
    for name, out_f, in_f in (("q_proj", H * HEAD, DIN), ("k_proj", H * HEAD, DIN), ("v_proj", H * HEAD, DIN),
                              ("o_proj", DOUT, H * HEAD)):
        p[name + ".weight"] = rnd(out_f, in_f, scale=in_f ** -0.5)
    for name, out_f, in_f in (("q_proj", H * HEAD, DIN), ("v_proj", H * HEAD, DIN)):
        p[name + ".lora_A.weight"] = rnd(R, in_f, scale=0.5)
        p[name + ".lora_B.weight"] = rnd(out_f, R, scale=0.5)
    data = [(rnd(n, DIN), rnd(n, DOUT)) for n in LENGTHS]
    return p, data


def forward_loss(t, data, dtype):
    s = ALPHA / R
    def proj(x, name):
        w = t[name + ".weight"]
        if name + ".lora_A.weight" in t:
            w = w + s * t[name + ".lora_B.weight"] @ t[name + ".lora_A.weight"]
        return x @ w.T
    loss = torch.zeros((), dtype=dtype)
    for x, y in data:
        x, y = x.to(dtype), y.to(dtype)
        n = x.shape[0]
        q = proj(x, "q_proj").view(n, H, HEAD).transpose(0, 1)     # H x n x HEAD
        k = proj(x, "k_proj").view(n, H, HEAD).transpose(0, 1)
        v = proj(x, "v_proj").view(n, H, HEAD).transpose(0, 1)
        scores = BETA * q @ k.transpose(1, 2)                       # H x n x n
        mask = torch.tril(torch.ones(n, n, dtype=torch.bool))
        f = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)
        z = (f @ v).transpose(0, 1).reshape(n, H * HEAD)            # heads side by side
        out = z @ t["o_proj.weight"].T
        loss = loss + 0.5 * ((out - y) ** 2).sum()
    return loss


def grads(p, data, dtype):
    t = {k: v.to(dtype).clone().requires_grad_(True) for k, v in p.items()}
    loss = forward_loss(t, data, dtype)
    loss.backward()
    return loss.item(), {k: v.grad.to(torch.float64) for k, v in t.items()}


def exact(x):
    """The exact decimal of a double (never the shortest repr, which is a different number)."""
    return format(decimal.Decimal(float(x)), "f") if x != 0 else "0"


def matrix(m):
    return [[exact(v) for v in row] for row in m.tolist()]


def instance(p, data):
    # Our layout: W = W_lin^T; for an adapter B = lora_A^T (in x r), A = lora_B^T (r x out)
    # (spec/FORMATS.md 4.3), so X W = x W_lin^T and W + s B A = (W_lin + s B_peft A_peft)^T.
    weights = {}
    for mu, name in (("Q", "q_proj"), ("K", "k_proj"), ("V", "v_proj"), ("O", "o_proj")):
        w = {"W": matrix(p[name + ".weight"].T)}
        if name + ".lora_A.weight" in p:
            w["A"] = matrix(p[name + ".lora_B.weight"].T)
            w["B"] = matrix(p[name + ".lora_A.weight"].T)
        weights[mu] = w
    return {"format": "lora-attention-instance/2", "heads": H, "causal": "top-left", "scaling": "lora",
            "alpha": ALPHA, "beta": BETA, "weights": weights,
            "data": [{"X": matrix(x), "Y": matrix(y)} for x, y in data]}


def compare(ref, loss, g):
    """max|torch - reference| / M per matrix; the worst."""
    worst = 0.0
    rows = [("loss", [[loss]], [[float(ref["loss"])]])]
    for mu, name in (("Q", "q_proj"), ("V", "v_proj")):
        # dLoss/dA_ours = (dLoss/dB_peft)^T, dLoss/dB_ours = (dLoss/dA_peft)^T
        rows.append((f"dLoss/dA_{mu}", g[name + ".lora_B.weight"].T.tolist(), ref["gradients"][mu]["A"]))
        rows.append((f"dLoss/dB_{mu}", g[name + ".lora_A.weight"].T.tolist(), ref["gradients"][mu]["B"]))
    for label, got, want in rows:
        m = max(abs(float(v)) for row in want for v in row)
        err = max(abs(float(a) - float(b)) for ra, rb in zip(got, want) for a, b in zip(ra, rb))
        rel = err / m if m else err
        worst = max(worst, rel)
        print(f"  {label:12s} max|err|/M = {rel:.3e}")
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--launcher", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "lora-limits"))
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--keep", help="directory to keep the files in")
    a = ap.parse_args()
    p, data = build(a.seed)
    work = a.keep or tempfile.mkdtemp(prefix="lora-limits-layer-")
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, "layer.json")
    with open(path, "w") as f:
        json.dump(instance(p, data), f)
    cmd = [os.path.abspath(a.launcher), "layer", "--digits", "30", path]
    print("$ lora-limits " + " ".join(cmd[1:]), flush=True)
    ref = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout,
                     parse_float=str, parse_int=str)
    ok = True
    for dtype, lo, hi in ((torch.float64, 0.0, FLOAT64_ALLOWED), (torch.float32, FLOAT64_ALLOWED, FLOAT32_ALLOWED)):
        loss, g = grads(p, data, dtype)
        name = str(dtype).replace("torch.", "")
        print(f"torch {name} autograd against the reference:")
        worst = compare(ref, loss, g)
        good = lo < worst <= hi
        print(f"  worst {worst:.3e}: expected in ({lo:g}, {hi:g}]: {'as expected' if good else 'NOT as expected'}")
        ok &= good
        with open(os.path.join(work, f"grads-{name}.json"), "w") as f:
            json.dump(candidate(loss, g), f)
    # The same verdicts from `lora-limits layer --candidate`. The default rule is precision-aware
    # (float64): each entry may be off by a bound on what a correct float64 implementation of this
    # layer errs on this instance; float64 passes it, float32 fails it (its errors are ~1e-7 of M,
    # the bound ~1e-13), and passes the bound for float32 (--precision float32). --rtol/--atol give
    # the fixed rule |c - r| <= atol + rtol M instead.
    def check(name, *extra, show=True):
        c = [os.path.abspath(a.launcher), "layer", "--candidate", os.path.join(work, f"grads-{name}.json"), *extra, path]
        print("$ lora-limits " + " ".join(c[1:]), flush=True)
        return subprocess.run(c, capture_output=not show, text=True)
    def expect(what, got, want):
        good = got == want
        print(f"  {what}: exit {got}, expected {want}: {'as expected' if good else 'NOT as expected'}")
        return good
    ok &= expect("float64, default rule", check("float64").returncode, 0)
    ok &= expect("float32, default rule", check("float32").returncode, 1)
    ok &= expect("float32, --precision float32", check("float32", "--precision", "float32").returncode, 0)
    ok &= expect("float32, --rtol 1e-5", check("float32", "--rtol", "1e-5").returncode, 0)
    report = check("float64", "--json", show=False)
    j = json.loads(report.stdout) if report.returncode == 0 else {}
    good = j.get("precision") == "float64" and j.get("firstOrderValid") is True and j.get("verdict") == "pass" \
        and "rtol" not in j and all(m["verdict"] == "pass" for m in j.get("matrices", []))
    print(f"  --json report: precision {j.get('precision')}, firstOrderSize {j.get('firstOrderSize')}, verdict "
          f"{j.get('verdict')}: {'as expected' if good else 'NOT as expected: ' + report.stderr.strip()}")
    ok &= good
    # The same layer as PEFT saves it: the adapter tensors (lora_A/lora_B of q_proj and v_proj) in
    # one file, the base weights in another, data and scalars beside the adapter; heads and mask
    # from the command line. The reference must print exactly what it printed for the JSON file.
    import numpy as np
    prefix = "base_model.model.model.layers.0.self_attn."
    adapter = {prefix + k: v.numpy() for k, v in p.items() if "lora_" in k}
    adapter.update({"alpha": np.array(ALPHA), "beta": np.array(BETA)})
    for i, (x, y) in enumerate(data):
        adapter[f"X.{i}"], adapter[f"Y.{i}"] = x.numpy(), y.numpy()
    base = {prefix + k: v.numpy() for k, v in p.items() if "lora_" not in k}
    np.savez(os.path.join(work, "adapter.npz"), **adapter)
    np.savez(os.path.join(work, "base.npz"), **base)
    c = [os.path.abspath(a.launcher), "layer", "--layout", "peft", "--base", os.path.join(work, "base.npz"),
         "--heads", str(H), "--causal", "top-left", "--digits", "30", os.path.join(work, "adapter.npz")]
    print("$ lora-limits " + " ".join(c[1:]), flush=True)
    peft = subprocess.run(c, capture_output=True, text=True)
    same = peft.returncode == 0 and json.loads(peft.stdout, parse_float=str, parse_int=str) == ref
    print(f"  PEFT-layout files give the same reference answer: {'yes' if same else 'NO: ' + peft.stderr.strip()}")
    ok &= same
    # torch's gradients in PEFT layout (<module>.lora_A.weight.grad, nn.Linear orientation), checked
    # with everything in PEFT form: float64 passes the default (precision-aware float64) rule,
    # float32 fails it.
    for dtype, want in ((torch.float64, 0), (torch.float32, 1)):
        loss, g = grads(p, data, dtype)
        name = str(dtype).replace("torch.", "")
        peft_grads = {prefix + k + ".grad": v.numpy() for k, v in g.items() if "lora_" in k}
        peft_grads["loss"] = np.array(loss)
        np.savez(os.path.join(work, f"grads-peft-{name}.npz"), **peft_grads)
        c = [os.path.abspath(a.launcher), "layer", "--layout", "peft", "--base", os.path.join(work, "base.npz"),
             "--heads", str(H), "--causal", "top-left", "--candidate", os.path.join(work, f"grads-peft-{name}.npz"),
             os.path.join(work, "adapter.npz")]
        print("$ lora-limits " + " ".join(c[1:]), flush=True)
        ok &= expect(f"PEFT layout, {name}, default rule", subprocess.run(c).returncode, want)
    print("attention_layer_check: " + ("OK" if ok else "FAILED"))
    sys.exit(0 if ok else 1)


def candidate(loss, g):
    """torch's gradients as a candidate gradient file in our layout (keys Q and V)."""
    grads_ = {}
    for mu, name in (("Q", "q_proj"), ("V", "v_proj")):
        grads_[mu] = {"A": [[repr(v) for v in row] for row in g[name + ".lora_B.weight"].T.tolist()],
                      "B": [[repr(v) for v in row] for row in g[name + ".lora_A.weight"].T.tolist()]}
    return {"format": "lora-attention-gradient/1", "method": "torch", "loss": repr(loss), "gradients": grads_}


if __name__ == "__main__":
    main()
