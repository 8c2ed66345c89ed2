"""Timing of the Du et al. kernels (``landscape._lib.kernels``, paper ``002_7f4fd584f3752d2b.txt``).

Targets (brief):

* analytic ``K^(H)`` of Definition 5.1 for ``n = 1000`` unit-norm points, ``H = 10``,
  softplus: under 10 s (also timed: Definition 6.1, the ResNet);
* empirical Gram matrices ``G^(1..H+1)`` of a network with ``m = 4096``, ``n = 256``,
  ``H = 3`` (init + forward + backward + Gram): a few seconds.

Also timed: the multiple-precision kernel (``analytic_gram_mp``, erf, ``n = 24``, ``H = 4``,
60 digits, with its eigenvalues) used by ``du.kernel.fc_pd.ill_conditioned``.

Run: ``/work/venv/bin/python benchmarks/bench_kernels.py [--n 1000] [--H 10] [--m 4096] [--ng 256]
[--Hg 3] [--repeat 1] [--threads 0]`` (``--threads 0`` keeps torch's default).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from landscape._lib import kernels  # noqa: E402
from landscape._lib.networks.du import DuArchitecture, sphere_data  # noqa: E402


def best_of(repeat: int, fn):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--H", type=int, default=10)
    ap.add_argument("--activation", default="softplus")
    ap.add_argument("--m", type=int, default=4096)
    ap.add_argument("--ng", type=int, default=256)
    ap.add_argument("--Hg", type=int, default=3)
    ap.add_argument("--d", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, numpy {np.__version__}")

    t0 = time.perf_counter()
    kernels.c_sigma(args.activation)
    kernels.gauss_hermite(kernels.GH_DEGREE_1D)
    kernels.gauss_hermite(kernels.MAX_GH_DEGREE)
    print(f"one-off setup (Gauss-Hermite rules, c_sigma): {time.perf_counter() - t0:.2f} s")

    X = sphere_data(args.n, args.d, 0)
    for kind in ("fc", "resnet"):
        t, R = best_of(args.repeat, lambda: kernels.analytic_gram(X, args.H, args.activation, kind))
        lam = np.linalg.eigvalsh(R.K)
        print(f"analytic K^(H) {kind:6s} n={args.n} H={args.H} {args.activation}: {t:.2f} s "
              f"(method {R.method}, error bound {R.error_bound:.1e}, "
              f"lambda_min {lam[0]:.3e}, lambda_min/lambda_max {lam[0] / lam[-1]:.3e})"
              f"{'  [target < 10 s]' if kind == 'fc' else ''}")

    Xc = sphere_data(24, 2, 5)
    t = time.perf_counter()
    ev = kernels.mp_eigenvalues(kernels.analytic_gram_mp(Xc, 4, "erf", dps=60, unit_norm=True), 60)
    print(f"mp K^(H) erf n=24 H=4 at 60 digits + eigenvalues: {time.perf_counter() - t:.2f} s "
          f"(lambda_min {float(ev[0]):.3e})")

    arch = DuArchitecture(d=args.d, m=args.m, H=args.Hg, activation=args.activation)
    Xg = sphere_data(args.ng, args.d, 1)
    t_init, p = best_of(args.repeat, lambda: arch.init(0))
    t_gram, G = best_of(args.repeat, lambda: kernels.empirical_gram(arch, p, Xg))
    print(f"empirical Gram m={args.m} n={args.ng} H={args.Hg}: init {t_init:.2f} s, "
          f"forward+backward+Gram {t_gram:.2f} s, total {t_init + t_gram:.2f} s  [target: a few seconds]")
    R = kernels.analytic_gram_for(arch, Xg)
    err = np.max(np.abs(G.last - R.K)) / np.max(np.abs(R.K))
    print(f"  max|G^(H)(0) - K^(H)| / max|K^(H)| = {err:.3e}  (sqrt(m) x err = {err * np.sqrt(args.m):.2f})")


if __name__ == "__main__":
    main()
