#!/usr/bin/env python3
"""Seeded self-attention instances for the reference benchmarks (a lora-attention-instance/1 file).

One point (X, Y), X: L x d with entries uniform in [-1, 1] written as 6-digit decimals, Y: L x d
uniform in [-1, 1]; Q, K and V adapted with rank 1, W* = I_d, A and B uniform in [-1e-3, 1e-3];
alpha = beta = 1. The same (L, d, seed) always gives the same file.

usage: reference_instance.py L d [seed] > instance.json
"""
import json
import random
import sys


def uniform(rnd, rows, cols, half):
    return [[round(rnd.uniform(-half, half), 6) for _ in range(cols)] for _ in range(rows)]


def instance(length, d, seed=20240605):
    rnd = random.Random(seed)
    weights = {}
    for mu in ("Q", "K", "V"):
        ident = [[1 if i == j else 0 for j in range(d)] for i in range(d)]
        weights[mu] = {"W": ident, "A": uniform(rnd, 1, d, 1e-3), "B": uniform(rnd, d, 1, 1e-3)}
    return {
        "format": "lora-attention-instance/1",
        "name": "reference benchmark L=%d d=%d seed=%d" % (length, d, seed),
        "alpha": 1,
        "beta": 1,
        "weights": weights,
        "data": [{"X": uniform(rnd, length, d, 1), "Y": uniform(rnd, length, d, 1)}],
    }


if __name__ == "__main__":
    L, d = int(sys.argv[1]), int(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20240605
    json.dump(instance(L, d, seed), sys.stdout)
    sys.stdout.write("\n")
