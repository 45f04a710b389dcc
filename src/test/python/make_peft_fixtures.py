#!/usr/bin/env python3
"""Writes the float16/bfloat16 and PEFT fixtures of src/test/resources/dev/loralimits/io
(run from that folder with /usr/bin/python3: torch 1.13 and numpy).

Issue 13 item 4. Every value is made by torch or numpy: the half-precision bit patterns are
torch/numpy tensors viewed as float16/bfloat16, the "decoded" tensors are torch's own
conversion of those tensors to float64, and the our-layout instances are numpy's transposes of
the PEFT tensors widened to float64. TensorFilesExamples and PeftFilesExamples compare the Java
readers with them.

The `safetensors` Python package is not installed on this machine (and PyPI is not reachable),
so `save_file` below writes the safetensors container by hand, as safetensors.torch.save_file
does: an 8-byte little-endian header length, a compact JSON header with "__metadata__" first,
padded with spaces to a multiple of 8 bytes, then each tensor's little-endian C-order bytes in
the library's order (by dtype, F64 first, then F32, BF16, F16; within a dtype by name).
The tensor bytes are torch's (`tensor.contiguous().view(torch.int16 or uint8).numpy().tobytes()`).
"""
import json
import struct

import numpy as np
import torch

DTYPE = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}
ORDER = [torch.float64, torch.float32, torch.bfloat16, torch.float16]


def raw_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: take its bits as int16
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def save_file(tensors, path, metadata=None):
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    at = 0
    data = []
    for name in sorted(tensors, key=lambda k: (ORDER.index(tensors[k].dtype), k)):
        t = tensors[name]
        b = raw_bytes(t)
        header[name] = {"dtype": DTYPE[t.dtype], "shape": list(t.shape), "data_offsets": [at, at + len(b)]}
        at += len(b)
        data.append(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in data:
            f.write(b)


def patterns():
    """Bit patterns 0..65535 with both ends of each binade range dense, as int16 (two's complement)."""
    keep = [p for p in range(65536)
            if (p & 0x7FFF) <= 0x0401 or (p & 0x7FFF) >= 0x7BF0 or p % 61 == 0]
    return torch.tensor([p - 65536 if p >= 32768 else p for p in keep], dtype=torch.int16)


def half_patterns():
    bits = patterns()
    f16 = bits.view(torch.float16)
    bf16 = bits.view(torch.bfloat16)
    decimals = torch.tensor([0.1, -1 / 3, 65504.0, 65520.0, 6e-8, 1e-5, -0.0, 2.0 ** -24, 1e30],
                            dtype=torch.float64)
    save_file({
        "f16": f16, "f16_as_f64": f16.to(torch.float64),
        "bf16": bf16, "bf16_as_f64": bf16.to(torch.float64),
        "f16_rounded": decimals.to(torch.float16), "f16_rounded_as_f64": decimals.to(torch.float16).to(torch.float64),
        "bf16_rounded": decimals.to(torch.bfloat16), "bf16_rounded_as_f64": decimals.to(torch.bfloat16).to(torch.float64),
    }, "half-patterns.safetensors", {"format": "pt"})


def half_npy():
    # every 7th pattern k = 7 i, as a 2 x N matrix (row-major), little- and big-endian, and Fortran order
    p = np.arange(0, 7 * 9360, 7, dtype=np.uint16).reshape(2, 4680)
    np.save("half.npy", p.view("<f2"))
    np.save("half-big-endian-fortran.npy", np.asfortranarray(p.astype(">u2").view(">f2")))


LAYERS = 2
D = 4  # hidden size (in = out = D)
R = 2  # rank


def peft_pair():
    """A two-layer PEFT adapter (float16, LoRA on q_proj and v_proj) and its base model (float32)."""
    g = torch.Generator().manual_seed(13)
    adapter, base = {}, {}
    for n in range(LAYERS):
        a = "base_model.model.model.layers.%d.self_attn." % n
        b = "model.layers.%d.self_attn." % n
        for m in ("q_proj", "v_proj"):
            adapter[a + m + ".lora_A.weight"] = (torch.randn(R, D, generator=g) / 4).to(torch.float16)
            adapter[a + m + ".lora_B.weight"] = (torch.randn(D, R, generator=g) / 4).to(torch.float16)
        for m in ("q_proj", "k_proj", "v_proj"):
            base[b + m + ".weight"] = (torch.randn(D, D, generator=g) / 2).to(torch.float32)
    base["alpha"] = torch.tensor(4.0, dtype=torch.float64)
    base["beta"] = torch.tensor([0.5], dtype=torch.float64)
    base["X.0"] = torch.randn(3, D, generator=g, dtype=torch.float64)
    base["Y.0"] = torch.randn(3, D, generator=g, dtype=torch.float64)
    save_file(adapter, "peft-adapter.safetensors", {"format": "pt"})
    save_file(base, "peft-base.safetensors", {"format": "pt"})
    # each layer as an instance in our layout: W = W_lin^T, B = lora_A^T, A = lora_B^T (FORMATS 4.3)
    for n in range(LAYERS):
        a = "base_model.model.model.layers.%d.self_attn." % n
        b = "model.layers.%d.self_attn." % n
        ours = {k: base[k].numpy() for k in ("alpha", "beta", "X.0", "Y.0")}
        for m, mu in (("q_proj", "Q"), ("k_proj", "K"), ("v_proj", "V")):
            ours["W_" + mu] = base[b + m + ".weight"].to(torch.float64).numpy().T
            if m != "k_proj":
                ours["B_" + mu] = adapter[a + m + ".lora_A.weight"].to(torch.float64).numpy().T
                ours["A_" + mu] = adapter[a + m + ".lora_B.weight"].to(torch.float64).numpy().T
        np.savez("peft-layer%d-ours.npz" % n, **ours)


if __name__ == "__main__":
    half_patterns()
    half_npy()
    peft_pair()
