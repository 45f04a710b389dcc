#!/usr/bin/env python3
"""Writes the numpy fixtures of src/test/resources/dev/loralimits/io (run from that folder).

The files are written by numpy itself, so that TensorFilesExamples checks our reader against
what np.savez, np.savez_compressed and np.save really produce. The instance equals the example
of spec/FORMATS.md Section 1.1 restricted to its first (self-attention) point, except that the
decimals are now their nearest doubles (0.1 -> 0.1000000000000000055511151231257827...).
"""
import numpy as np

W = np.array([[1.0, 0.0], [0.0, 1.0]])
tensors = dict(
    alpha=np.float64(4.0), beta=np.array([1.0]),
    W_Q=W, A_Q=np.array([[0.5, 0.25]]), B_Q=np.array([[1.0], [2.0]]),
    W_K=np.array([[1.0, 2.0], [3.0, 4.0]]),
    W_V=W.astype(np.float32), A_V=np.array([[1.0, 1.0]]), B_V=np.array([[0.0], [-0.1]]),
    **{"X.0": np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]), "Y.0": np.zeros((3, 2))})
np.savez("numpy-instance.npz", **tensors)
np.savez_compressed("numpy-instance-compressed.npz", **tensors)
np.save("fortran.npy", np.asfortranarray(np.arange(6.0).reshape(2, 3)))
np.save("big-endian.npy", np.array([[1.5, -2.0]], dtype='>f8'))
np.save("int64.npy", np.array([[1, 2]], dtype='<i8'))
