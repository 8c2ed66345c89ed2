"""Timing of the disparity matrix H(w) (``landscape._lib.disparity``).

Target (brief): M ~ 2,000 weights, K = 2, a 64 x 64 grid (4,096 points), under a second.
Network: two-layer ``f(x) = sum_j a_j sigma(w_j . x + b_j) + c`` (width 500 -> M = 2,001).
Also timed: H with its measured discretisation error (doubled grid), H along a GD trajectory
(``disparity_batch``, as jiang.thm2 tracks it) and the exact ReLU path (jiang.lemma1's construction).

Run: ``/work/venv/bin/python benchmarks/bench_disparity.py [--width 500] [--G 64] [--n 4] [--repeat 3] [--threads 1]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from landscape._lib import activations, disparity, fourier


def two_layer(width: int, k_dim: int, act: str):
    sigma = activations.get(act).torch

    def f(params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        W = params[: width * k_dim].reshape(width, k_dim)
        b = params[width * k_dim: width * (k_dim + 1)]
        a = params[width * (k_dim + 1): width * (k_dim + 2)]
        return sigma(x @ W.T + b) @ a + params[-1]

    return f, width * (k_dim + 2) + 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--width", type=int, default=500)
    ap.add_argument("--G", type=int, default=64)
    ap.add_argument("--n", type=int, default=4, help="box half-width per axis (N = (2n+1)^2)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--activation", default="tanh")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    f, M = two_layer(args.width, 2, args.activation)
    params = torch.from_numpy(np.random.default_rng(0).standard_normal(M))
    n = (args.n, args.n)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}; M = {M}, K = 2, n = {n}, "
          f"N = {(2 * args.n + 1) ** 2}, activation {args.activation}")
    for rule in fourier.RULES:
        P = fourier.grid_points_per_axis(args.G, rule) ** 2
        disparity.disparity(f, params, n, args.G, rule=rule)  # warm-up
        best = None
        for _ in range(args.repeat):
            t = time.perf_counter()
            D = disparity.disparity(f, params, n, args.G, rule=rule)
            _ = D.real
            total = time.perf_counter() - t
            row = (total, D.seconds["jacobian"], D.seconds["fft"], D.seconds["real_view"])
            best = row if best is None or row[0] < best[0] else best
        print(f"rule={rule:9s} grid {P:5d} points: H(w) {M} x {D.N} in {best[0]:.3f} s "
              f"(jacobian {best[1]:.3f} s, fft {best[2]:.3f} s, real view {best[3]:.3f} s; best of {args.repeat})")
    t = time.perf_counter()
    dec = D.rank()
    print(f"rank decision on the {M} x {D.N} real view: {time.perf_counter() - t:.3f} s "
          f"(rank {dec.rank}, s_min/s_max {dec.s_normalised:.3g})")
    t = time.perf_counter()
    _, err = disparity.disparity_with_error(f, params, n, args.G)
    print(f"H(w) with its discretisation error (Jacobian on the doubled grid, {(2 * args.G + 1) ** 2} points): "
          f"{time.perf_counter() - t:.3f} s (relative spectral error {err.relative:.2g})")
    # a GD trajectory as the jiang.thm2 claims track it: K = 1, sigmoid, width 58, 31 iterates on G = 2048
    f1, M1 = two_layer(58, 1, "sigmoid")
    rng = np.random.default_rng(1)
    w0 = torch.from_numpy(rng.standard_normal(M1) * 8)
    traj = w0 + 1e-3 * torch.from_numpy(rng.standard_normal((31, M1)))
    disparity.disparity_batch(f1, traj[:2], (10,), 2048)  # warm-up
    t = time.perf_counter()
    B = disparity.disparity_batch(f1, traj, (10,), 2048)
    print(f"H(w_k) for 31 iterates (M = {M1}, K = 1, 2049 points, N = 21, batched vmap): "
          f"{time.perf_counter() - t:.3f} s (jacobian {B.seconds['jacobian']:.3f} s, fft {B.seconds['fft']:.3f} s)")
    # exact H of a two-layer ReLU network on [0, 1] (closed form, no grid), the jiang.lemma1 construction's size
    m = 320
    wr = rng.normal(size=m) * 3
    br = -wr * rng.uniform(0.05, 0.95, m)
    pr = torch.from_numpy(np.concatenate([np.stack([wr, br], 1).reshape(-1), rng.normal(size=m)]))
    t = time.perf_counter()
    E = disparity.relu_two_layer_exact(pr, (479,))
    print(f"exact ReLU H(w) {E.M} x {E.N} (closed-form coefficients): {time.perf_counter() - t:.3f} s")


if __name__ == "__main__":
    main()
