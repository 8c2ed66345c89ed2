"""How long certifying a point takes: ``certify_critical`` and ``certify_minimum`` on networks of up to ~100 parameters.

Issue 19's target: a point with <= 100 parameters certified in <= 1 s on this machine (2 cores).  For each
network (the library's MLP squared loss, which carries its multiple-precision form; labels from a random
teacher of the same architecture plus noise, so the minimum is finite and nondegenerate) a point is reached by
L-BFGS from the teacher, then certified: the ladder (30 and 60 digits), the Krawczyk box and the inertia
over it in ball arithmetic.  Prints one line per network and a last line
``certify: max X.XX s for <= 100 parameters (proof levels: ...)``.

    python benchmarks/certify.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from landscape.numerics import MLP, MLPSpec, certify_critical, certify_minimum, minimise, mlp_squared_loss

NETWORKS = [  # (d0, widths, activation, bias, samples): more samples than parameters, so minima are nondegenerate
    (2, (3,), "tanh", True, 16),          # 13 parameters
    (3, (4,), "sigmoid", False, 24),      # 16
    (3, (5, 3), "softplus", True, 48),    # 41
    (4, (6, 4), "tanh", True, 64),        # 62
    (4, (8, 6), "tanh", True, 100),       # 100
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="timed repetitions per network (the best is reported)")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    worst, levels = 0.0, []
    for i, (d0, widths, act, bias, n) in enumerate(NETWORKS):
        rng = np.random.default_rng(100 + i)
        spec = MLPSpec(d0, widths, 1, act, bias)
        # a teacher network of the same architecture plus noise: a finite, nondegenerate minimum near the teacher
        teacher = MLP.random(spec, rng)
        x = rng.normal(size=(d0, n))
        y = teacher.forward(x).numpy() + 0.1 * rng.normal(size=(1, n))
        loss = mlp_squared_loss(spec, x, y)
        w = minimise(loss, teacher.flat()).w
        certify_critical(loss, w)  # warm-up: torch.func transforms, the activation's ball form
        crit_s, min_s = [], []
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            c = certify_critical(loss, w)
            crit_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            m = certify_minimum(loss, w, rng=np.random.default_rng(0))
            min_s.append(time.perf_counter() - t0)
        worst = max(worst, min(crit_s), min(min_s))
        levels.append(m.proof)
        print(f"{act:9s} {spec.n_params():4d} params: certify_critical {min(crit_s):.3f} s ({c.status}, {c.proof}); "
              f"certify_minimum {min(min_s):.3f} s ({m.kind}, {m.proof})", flush=True)
    print(f"certify: max {worst:.2f} s for <= 100 parameters (proof levels: {', '.join(levels)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
