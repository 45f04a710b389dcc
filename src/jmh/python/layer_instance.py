#!/usr/bin/env python3
"""A random attention-layer instance (lora-attention-instance/2) for timing the layer reference.

usage: layer_instance.py L H h d > layer.json   (self-attention, top-left mask, LoRA rank 8 on Q and V, O frozen)
"""
import json, random, sys
L, H, h, d = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(1)
def m(r, c, s=1.0): return [[round(rnd.uniform(-s, s), 3) for _ in range(c)] for _ in range(r)]
inst = {"format": "lora-attention-instance/2", "heads": H, "causal": "top-left", "alpha": 16, "beta": round(h ** -0.5, 4),
        "weights": {"Q": {"W": m(d, H*h, d**-0.5), "A": m(8, H*h, 0.5), "B": m(d, 8, 0.5)},
                    "K": {"W": m(d, H*h, d**-0.5)},
                    "V": {"W": m(d, H*h, d**-0.5), "A": m(8, H*h, 0.5), "B": m(d, 8, 0.5)},
                    "O": {"W": m(H*h, d, (H*h)**-0.5)}},
        "data": [{"X": m(L, d), "Y": m(L, d)}]}
json.dump(inst, sys.stdout)
