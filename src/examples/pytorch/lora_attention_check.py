#!/usr/bin/env python3
"""Check a PyTorch LoRA attention head against the lora-limits reference.

Builds one attention head whose q/k/v projections are nn.Linear-style weights with PEFT-style
LoRA adapters (lora_A: r x in, lora_B: out x r, W_lin + (alpha/r) B A, y = x W^T), computes the
loss 1/2 ||softmax(beta Q K^T) V - Y||_F^2 and its autograd gradients in float64 and in float32,
writes each as .npz (PEFT tensor names, see spec/FORMATS.md section 4) and runs

    ./lora-limits check --layout peft --instance instance.npz --candidate grads-float64.npz
    ./lora-limits check --layout peft --instance instance.npz --candidate grads-float32.npz --precision float32

Expected: float64 passes the default (precision-aware float64) tolerance with about 15 correct
digits (LRE column); float32 fails it and passes --precision float32 (the tolerance of a correct
float32 implementation), showing about 6-7 digits; the fixed rule --rtol 1e-4 passes it too. Exit status 0 when both
expectations hold, 1 otherwise. Standard library + numpy + torch only.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch


def build(seed, L=6, d=4, r=2, alpha=8.0, beta=1.0):
    g = torch.Generator().manual_seed(seed)
    def rnd(*shape, scale=1.0):
        return (torch.rand(*shape, generator=g, dtype=torch.float64) * 2 - 1) * scale
    p = {"alpha": alpha, "beta": beta, "X.0": rnd(L, d), "Y.0": rnd(L, d)}
    for name in ("q_proj", "k_proj", "v_proj"):
        p[name + ".weight"] = rnd(d, d, scale=d ** -0.5)
        p[name + ".lora_A.weight"] = rnd(r, d, scale=0.5)
        p[name + ".lora_B.weight"] = rnd(d, r, scale=0.5)
    return p


def loss_and_grads(p, dtype):
    t = {k: (v.to(dtype).clone().requires_grad_(True) if torch.is_tensor(v) else v) for k, v in p.items()}
    r = t["q_proj.lora_A.weight"].shape[0]
    s = t["alpha"] / r
    def proj(x, name):  # nn.Linear without bias, plus LoRA: x (W + s B A)^T
        w = t[name + ".weight"] + s * t[name + ".lora_B.weight"] @ t[name + ".lora_A.weight"]
        return x @ w.T
    x = t["X.0"]
    q, k, v = proj(x, "q_proj"), proj(x, "k_proj"), proj(x, "v_proj")
    f = torch.softmax(t["beta"] * q @ k.T, dim=-1)
    loss = 0.5 * ((f @ v - t["Y.0"]) ** 2).sum()
    loss.backward()
    out = {"loss": np.array(loss.item(), dtype=np.float64)}
    for name in ("q_proj", "k_proj", "v_proj"):
        for f_ in ("lora_A", "lora_B"):
            key = f"{name}.{f_}.weight"
            out[key + ".grad"] = t[key].grad.to(torch.float64).numpy()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--launcher", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "lora-limits"))
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--keep", help="directory to keep the .npz files in")
    a = ap.parse_args()
    p = build(a.seed)
    work = a.keep or tempfile.mkdtemp(prefix="lora-limits-torch-")
    os.makedirs(work, exist_ok=True)
    inst = {k: (v.numpy() if torch.is_tensor(v) else np.array(v, dtype=np.float64)) for k, v in p.items()}
    np.savez(os.path.join(work, "instance.npz"), **inst)
    np.savez(os.path.join(work, "grads-float64.npz"), **loss_and_grads(p, torch.float64))
    np.savez(os.path.join(work, "grads-float32.npz"), **loss_and_grads(p, torch.float32))
    launcher = os.path.abspath(a.launcher)
    def check(cand, *extra):
        cmd = [launcher, "check", "--layout", "peft", "--instance", os.path.join(work, "instance.npz"),
               "--candidate", os.path.join(work, cand), *extra]
        print("$ " + " ".join(cmd[1:]), flush=True)
        return subprocess.run(cmd).returncode
    ok = True
    ok &= check("grads-float64.npz") == 0                 # float64: passes the float64 tolerance
    ok &= check("grads-float32.npz") == 1                 # float32: fails it ...
    ok &= check("grads-float32.npz", "--precision", "float32") == 0   # ... passes float32's
    ok &= check("grads-float32.npz", "--rtol", "1e-4") == 0   # ... and the fixed rtol 1e-4
    print(("1 passed, 0 failed" if ok else "0 passed, 1 failed"), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
