#!/usr/bin/env python3
"""PyTorch float64 autograd on a BenchInstances instance (proofs-notes/BENCHMARKS.md,
"exact vs PyTorch autograd").

    python3 src/jmh/python/torch_autograd.py INSTANCE THREADS WARMUP REPEATS [GRADIENTS]

INSTANCE is written by `ExactVsTorch dump L d gamma FILE` (text, every number by Java's
Double.toString, read back exactly by float). Reading the file and building the tensors is not
timed. One timed operation is the forward and backward pass of the loss
    W_mu = W*_mu + (alpha / r) B_mu A_mu,  S = beta (X W_Q)(X W_K)^T,  F = softmax(S, rows),
    loss = 1/2 ||F (X W_V) - Y||_F^2,  loss.backward()  (gradients of the six A, B tensors),
with the gradients zeroed (set to None) before each repeat. Wall time: time.perf_counter; CPU
time: time.process_time (all threads of the process). torch.set_num_threads(THREADS). With
GRADIENTS (a file written by `ExactVsTorch time ... FILE`) it prints the largest difference of
the loss and of each gradient entry, relative to the largest entry of that matrix.
"""
import resource
import sys
import time

import torch


def read_instance(path):
    with open(path) as f:
        lines = f.read().split("\n")
    head = lines[0].split()
    length, d, r = int(head[0]), int(head[1]), int(head[2])
    alpha, beta = float(head[3]), float(head[4])
    pos = 1

    def take(rows):
        nonlocal pos
        m = [[float(x) for x in lines[pos + i].split()] for i in range(rows)]
        pos += rows
        return torch.tensor(m, dtype=torch.float64)

    weights = {}
    for mu in "QKV":
        weights[mu] = (take(d), take(r), take(d))  # W* (d x d), A (r x d), B (d x r)
    x = take(length)
    y = take(length)
    return alpha, beta, r, weights, x, y


def loss_of(alpha, beta, r, frozen, params, x, y):
    w = {mu: frozen[mu] + (alpha / r) * (params[mu][1] @ params[mu][0]) for mu in "QKV"}
    s = beta * (x @ w["Q"]) @ (x @ w["K"]).T
    f = torch.softmax(s, dim=1)
    c = f @ (x @ w["V"]) - y
    return 0.5 * (c * c).sum()


def main():
    path, threads, warmup, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    alpha, beta, r, weights, x, y = read_instance(path)
    frozen = {mu: weights[mu][0] for mu in "QKV"}
    params = {mu: (weights[mu][1].clone().requires_grad_(True), weights[mu][2].clone().requires_grad_(True))
              for mu in "QKV"}
    length, d = x.shape
    walls, cpus = [], []
    for i in range(warmup + repeats):
        for mu in "QKV":
            params[mu][0].grad = None
            params[mu][1].grad = None
        c0, t0 = time.process_time(), time.perf_counter()
        loss = loss_of(alpha, beta, r, frozen, params, x, y)
        loss.backward()
        wall, cpu = (time.perf_counter() - t0) * 1e3, (time.process_time() - c0) * 1e3
        if i >= warmup:
            walls.append(wall)
            cpus.append(cpu)
            print("torch L=%d d=%d threads=%d repeat=%d wall_ms=%.1f cpu_ms=%.1f" % (length, d, threads, i - warmup, wall, cpu))
    walls.sort()
    cpus.sort()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("torch L=%d d=%d threads=%d median wall_ms=%.1f cpu_ms=%.1f min wall_ms=%.1f cpu_ms=%.1f loss=%r peak_rss_mib=%.0f"
          % (length, d, threads, walls[len(walls) // 2], cpus[len(cpus) // 2], walls[0], cpus[0], loss.item(), peak))
    if len(sys.argv) > 5:
        compare(sys.argv[5], loss.item(), params, d, r)


def compare(path, loss, params, d, r):
    with open(path) as f:
        lines = f.read().split("\n")
    exact_loss = float(lines[0])
    print("loss: exact %r torch %r relative difference %.3g" % (exact_loss, loss, abs(exact_loss - loss) / abs(exact_loss)))
    pos = 1
    for mu in "QKV":
        for name, rows, t in (("A", r, params[mu][0].grad), ("B", d, params[mu][1].grad)):
            m = torch.tensor([[float(v) for v in lines[pos + i].split()] for i in range(rows)], dtype=torch.float64)
            pos += rows
            print("dLoss/d%s_%s: max |exact - torch| / max |exact| = %.3g" % (name, mu, ((m - t).abs().max() / m.abs().max()).item()))


if __name__ == "__main__":
    main()
