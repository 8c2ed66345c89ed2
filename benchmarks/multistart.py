"""Batched against serial multi-start descent (issue 23): the same problems, the same starts, the same rule.

Both ways are :func:`landscape.numerics.multistart` -- ``batched=True`` (Adam on every start at once,
the gradients from one ``torch.func.vmap`` call per step) and ``batched=False`` (the same Adam
arithmetic one start at a time, plain autograd) -- followed by the same polish (L-BFGS + Newton)
and certificate of the endpoints that are not global.  Problems:

* ``teacher-student``: the two-layer ReLU teacher-student *population* loss of Safran & Shamir
  (2018), k = n = 6 (36 weights), teacher ``V = I``, in closed form with the arc-cosine kernel
  ``E[relu(w.x) relu(v.x)] = |w||v| (sin t + (pi - t) cos t) / (2 pi)`` (Cho & Saul 2009), Xavier
  starts ``U(-b, b)``, ``b = sqrt(6 / (k + n))``; minima are clustered by loss only (``distance=None``: the k!
  permuted copies of a minimum have equal loss); ``--k 8`` for a size where spurious minima are frequent
  (Safran & Shamir find them from k = 6 on, more often as k grows; measured here: 2 of 512 starts at k = 6,
  26 of 256 at k = 8);
* ``sigmoid-mlp``: ``mlp_squared_loss`` of a sigmoid MLP 3-4-1 with bias on 8 Gaussian points (A1 data;
  21 weights for 8 samples: its global minima form a manifold, ``distance=None``);
* ``deep-linear``: ``DeepLinear((3, 2, 3)).loss_fn`` on 6 Gaussian points (its global minima form a
  manifold: ``distance=None``).

The serial way runs the first ``--serial-starts`` starts of the batched way's ``--starts`` (start ``i``
is drawn from ``default_rng([seed, i])`` either way).  Reported per problem: starts/s each way, the
fraction of starts reaching a certified spurious minimum each way with its Wilson interval (2 standard
errors), and the peak resident memory; the last line is the overall speedup (all problems' starts over
all problems' time, each way).  For scale only, a line per problem times the library's older serial path on
the same starts (scipy L-BFGS-B to stationarity + Newton polish, another stopping rule, no certificate).

Run: ``python benchmarks/multistart.py [--starts 512] [--serial-starts 32] [--steps 300]`` (about two
minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from landscape.numerics import (DeepLinear, MLP, MLPSpec, fraction_interval, minimise, mlp_squared_loss,  # noqa: E402
                                multistart, newton_polish)


def teacher_student(k: int = 6, d: int = 6):
    """Safran & Shamir (2018), eq. (1) with x ~ N(0, I_d): ``F(W) = 1/2 E[(sum_i relu(w_i.x) - sum_j relu(v_j.x))^2]``
    in closed form, teacher ``V = I`` (``k = d``); flat ``W`` row-major (``k x d``)."""
    v = torch.eye(k, d, dtype=torch.float64)

    def kern(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """``E[relu(a_i.x) relu(b_j.x)]`` for all pairs, without a NaN gradient where a_i is parallel to b_j."""
        na, nb = a.norm(dim=1)[:, None], b.norm(dim=1)[None, :]
        dot = a @ b.T
        cross = torch.sqrt(torch.clamp((na * nb) ** 2 - dot ** 2, min=0.0) + 1e-300)
        theta = torch.atan2(cross, dot)
        return (cross + (math.pi - theta) * dot) / (2 * math.pi)

    def loss(w: torch.Tensor) -> torch.Tensor:
        ww = w.reshape(k, d)
        kw = kern(ww, ww)
        off = kw.sum() - kw.diagonal().sum() + 0.5 * (ww * ww).sum()  # E[relu(w.x)^2] = |w|^2 / 2 on the diagonal
        return 0.5 * off - kern(ww, v).sum() + 0.5 * (kern(v, v).sum() - kern(v, v).diagonal().sum() + 0.5 * k)

    bound = math.sqrt(6.0 / (k + d))  # Xavier (Glorot) uniform
    return loss, (lambda rng: rng.uniform(-bound, bound, size=k * d)), {"distance": None}


def sigmoid_mlp(seed: int = 0):
    rng = np.random.default_rng(seed)
    spec = MLPSpec(3, (4,), 1, "sigmoid", True)
    x, y = rng.normal(size=(3, 8)), rng.normal(size=(1, 8))
    return mlp_squared_loss(spec, x, y), (lambda r: MLP.random(spec, r).flat()), {"distance": None}


def deep_linear(seed: int = 0):
    rng = np.random.default_rng(seed)
    net = DeepLinear((3, 2, 3))
    x, y = rng.normal(size=(3, 6)), rng.normal(size=(3, 6))
    return net.loss_fn(x, y), (lambda r: net.init(r)), {"distance": None}


PROBLEMS = {"teacher-student": teacher_student, "sigmoid-mlp": sigmoid_mlp, "deep-linear": deep_linear}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--starts", type=int, default=512)
    ap.add_argument("--serial-starts", type=int, default=32)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--problems", default=",".join(PROBLEMS))
    ap.add_argument("--k", type=int, default=6, help="teacher-student size k = n (Safran & Shamir: spurious minima "
                                                      "from k = 6 on, more often as k grows)")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)  # both ways on one thread: the ratio is the batching's, not the thread pool's
    tot = {"batched": [0, 0.0], "serial": [0, 0.0]}
    for name in a.problems.split(","):
        loss, init, kw = PROBLEMS[name](a.k, a.k) if name == "teacher-student" else PROBLEMS[name]()
        common = dict(seed=a.seed, device="cpu", steps=a.steps, **kw)
        rows = {}
        for way, n, batched in (("batched", a.starts, True), ("serial", a.serial_starts, False)):
            t0 = time.perf_counter()
            res = multistart(loss, init, n, batched=batched, **common)
            dt = time.perf_counter() - t0
            tot[way][0] += n
            tot[way][1] += dt
            cnt = sum(e.count for e in res.spurious)
            lo, hi = fraction_interval(cnt, n)
            rows[way] = (n, dt, cnt, lo, hi, res)
            print(f"{name:16s} {way:8s} {n:4d} starts {dt:7.2f} s ({n / dt:7.2f} starts/s; first-order "
                  f"{res.seconds['first_order']:.2f} s, polish {res.seconds['polish']:.2f} s, certify "
                  f"{res.seconds['certify']:.2f} s)  spurious minimum: {cnt}/{n} = {cnt / n:.3f} "
                  f"[{lo:.3f}, {hi:.3f}]  distinct endpoints {len(res.endpoints)}  peak RSS {peak_mb():.0f} MB",
                  flush=True)
        # for scale, not in the speedup: the library's older serial path on the same starts, scipy L-BFGS-B to
        # stationarity + Newton polish per start (another stopping rule; no certificate)
        t0, failed = time.perf_counter(), 0
        sys.stdout.flush()
        saved = os.dup(1)
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)  # LAPACK prints its DLASCL complaints (NaN Hessians) on the C stdout
            try:
                for i in range(a.serial_starts):
                    w0 = torch.as_tensor(np.asarray(init(np.random.default_rng([a.seed, i])), dtype=np.float64))
                    try:
                        newton_polish(loss, minimise(loss, w0).w)
                    except (ArithmeticError, ValueError, RuntimeError, np.linalg.LinAlgError):
                        failed += 1  # a non-finite Hessian: the closed form's separate kernel terms at w_i || v_j
            finally:
                os.dup2(saved, 1)
                os.close(saved)
        dt = time.perf_counter() - t0
        print(f"{name:16s} for scale: minimise + newton_polish one start at a time, {a.serial_starts / dt:.2f} "
              f"starts/s (no certificate; {failed} of {a.serial_starts} failed)", flush=True)
        (_, _, _, blo, bhi, _), (_, _, _, slo, shi, _) = rows["batched"], rows["serial"]
        agree = blo <= shi and slo <= bhi
        print(f"{name:16s} spurious fractions agree within sampling error: {'yes' if agree else 'NO'}", flush=True)
    (nb, tb), (ns, ts) = tot["batched"], tot["serial"]
    print(f"peak memory: {peak_mb():.0f} MB (resident set, whole process)")
    print(f"multistart speedup: {(nb / tb) / (ns / ts):.1f}x (batched {nb / tb:.1f} starts/s vs serial "
          f"{ns / ts:.1f} starts/s)")


if __name__ == "__main__":
    main()
