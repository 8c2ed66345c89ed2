"""Timing of the Lanczos Hessian spectrum (``landscape._lib.certify.hessian_spectrum``).

Target (brief): a model with ~5,000 parameters gets its extreme Hessian eigenvalues by
Lanczos in under a second.  Model: ``MLP(d0=10, widths=(64, 64), tanh)`` (4,800 weights,
no bias) with squared loss on 8 random points, at the random initialisation (indefinite
Hessian) and at an interpolating minimum found by L-BFGS (PSD Hessian of rank <= 8 with a
~4,790-fold zero cluster -- the hard case for ARPACK, handled by the shifts).

Reported: the first call (includes torch.func's one-off warm-up), then the median of
``--repeat`` warm calls, the number of Hessian-vector products, one product's time, and
the eigenvalues with their decisions.

Run: ``/work/venv/bin/python benchmarks/bench_certify.py [--width 64] [--repeat 5] [--k 6] [--certify] [--exact]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from landscape._lib import certify  # noqa: E402
from landscape._lib.networks.mlp import MLP, MLPSpec  # noqa: E402


def problem(width: int, n_samples: int, seed: int):
    rng = np.random.default_rng(seed)
    spec = MLPSpec(10, (width, width), 1, "tanh", False)
    net = MLP.random(spec, rng)
    x = torch.as_tensor(rng.normal(size=(spec.d0, n_samples)))
    y = torch.as_tensor(rng.normal(size=n_samples))

    def loss(v: torch.Tensor) -> torch.Tensor:
        return ((net.forward_flat(v, x)[0] - y) ** 2).sum()

    return loss, net.flat()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--samples", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--k", type=int, default=6, help="smallest eigenvalues wanted")
    ap.add_argument("--k-top", type=int, default=2, help="largest eigenvalues wanted")
    ap.add_argument("--certify", action="store_true", help="also time certify_minimum at the trained point")
    ap.add_argument("--exact", action="store_true", help="also the exact Hessian (slow for n ~ 5,000)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    loss, w0 = problem(args.width, args.samples, 0)
    n = w0.numel()
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}; n = {n} parameters, N = {args.samples}, "
          f"k = {args.k} smallest + {args.k_top} largest")
    t = time.perf_counter()
    trained = certify.refine_stationary(loss, w0, max_iter=300, newton_steps=0)
    print(f"L-BFGS to the interpolating minimum: {time.perf_counter() - t:.2f} s, {trained.iterations} iterations, "
          f"loss {trained.loss:.3g}, |g| {trained.grad_norm:.3g} ({trained.stationarity.outcome})")
    for label, w in (("random init", w0), ("trained", trained.w)):
        times, spec = [], None
        t = time.perf_counter()
        spec = certify.hessian_spectrum(loss, w, k=args.k, k_top=args.k_top, rng=np.random.default_rng(0))
        first = time.perf_counter() - t
        for _ in range(args.repeat):
            t = time.perf_counter()
            spec = certify.hessian_spectrum(loss, w, k=args.k, k_top=args.k_top, rng=np.random.default_rng(0))
            times.append(time.perf_counter() - t)
        hvp = certify.hvp_function(loss, w)
        v = torch.ones(n, dtype=torch.float64)
        hvp(v)
        t = time.perf_counter()
        for _ in range(20):
            hvp(v)
        per = (time.perf_counter() - t) / 20
        print(f"\n[{label}] method {spec.method}: first call {first:.3f} s, "
              f"warm median {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f}); "
              f"{spec.matvecs} Hessian-vector products, {per * 1e3:.2f} ms each")
        print(f"  Lambda = max|lambda| = {spec.lambda_abs_max:.6g}; definiteness {spec.definiteness}; "
              f"max residual / Lambda {max(spec.residuals):.2e}")
        for lam, r, o, m in zip(spec.eigenvalues, spec.normalised, spec.outcomes, spec.margins):
            print(f"  lambda = {lam: .6e}  normalised {r: .3e}  {o:8s} margin {m:.1f}")
        if args.exact:
            t = time.perf_counter()
            ex = certify.hessian_spectrum(loss, w, exact_max_params=n)
            dt = time.perf_counter() - t
            ref = np.concatenate([ex.eigenvalues[:args.k], ex.eigenvalues[-args.k_top:]])
            gap = float(np.max(np.abs(np.array(spec.eigenvalues) - ref)) / ex.lambda_abs_max)
            print(f"  exact Hessian + eigh: {dt:.1f} s; max |lanczos - exact| / Lambda = {gap:.2e}; counts "
                  f"neg/zero/pos/band = {ex.n_negative}/{ex.n_zero}/{ex.n_positive}/{ex.n_band}")
    if args.certify:
        t = time.perf_counter()
        c = certify.certify_minimum(loss, trained.w, rng=np.random.default_rng(0), samples=16, attack_starts=2,
                                    attack_steps=30, escape_starts=2, escape_steps=20, max_flat_directions=2)
        print(f"\ncertify_minimum at the trained point: {time.perf_counter() - t:.2f} s -> {c.kind} ({c.reason})")


if __name__ == "__main__":
    main()
