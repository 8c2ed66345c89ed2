"""``K^(H)`` of Du et al. (``/work/shared/papers/002_7f4fd584f3752d2b.txt``, Definitions 5.1 /
6.1) in multiple precision, for the activations with closed-form Gaussian moments
(:data:`MP_ACTIVATIONS`, read from the activation records' ``mp_closed_form``), and the
decision of ``lambda_min(K^(H))`` on the precision ladder
(:data:`landscape._lib.tolerance.MP_LADDER`) for eigenvalues below float64's reach.
"""

from __future__ import annotations

import itertools

import numpy as np

from landscape._lib import activations, tolerance
from landscape._lib.errors import LandscapeError
from landscape._lib.networks.du import as_data


#: Activations whose Gaussian moments :func:`analytic_gram_mp` evaluates in multiple precision.
MP_ACTIVATIONS: tuple[str, ...] = ("erf", "relu", "leaky_relu", "linear", "poly2", "poly3", "exp")


def mp_closed_form(name: str):
    """``(pair, deriv_pair, mean, c_sigma)`` of activation ``name`` as mpmath functions at the
    current precision: the activation record's
    :attr:`~landscape._lib.activations.Activation.mp_closed_form` (the closed forms of
    :func:`~landscape._lib.kernels.quadrature.closed_form`, written for mpmath) and its ``c_sigma``."""
    if name not in MP_ACTIVATIONS:
        raise LandscapeError(f"activation {name!r} has no multiple-precision closed form; expected one of "
                             f"{', '.join(MP_ACTIVATIONS)}")
    cf = activations.get(name).mp_closed_form
    return cf.pair, cf.deriv_pair, cf.mean, cf.c_sigma()


def analytic_gram_mp(X, H: int, activation: str, kind: str = "fc", c_res: float = 0.5, *, dps: int = 50,
                     literal: bool = False, unit_norm: bool = False):
    """``K^(H)`` of Definition 5.1 / 6.1 in multiple precision (``mpmath`` at ``dps`` digits)
    from the exact float64 inputs ``X``, for the activations with closed-form Gaussian
    moments (:data:`MP_ACTIVATIONS`: erf, relu, leaky relu, linear, z^2, z^3, exp) --
    the same recursion as :func:`analytic_gram` with every expectation exact, so the only
    error is the working precision (no quadrature).  ``unit_norm=True`` normalises every row
    to length 1 at the working precision first (float64 unit vectors are unit only to
    ~1e-16).  Returns an ``mpmath.matrix``.
    Used to decide eigenvalues that float64 cannot (e.g. ``lambda_min ~ 1e-19``).
    """
    import mpmath as mp

    x = as_data(X).numpy()
    if isinstance(H, bool) or not isinstance(H, (int, np.integer)) or H < 1:
        raise LandscapeError(f"depth H={H!r} is invalid; expected an integer >= 1")
    if kind not in ("fc", "resnet") or (kind == "resnet" and H < 2):
        raise LandscapeError(f"network kind {kind!r} with H={H} is invalid; expected fc (H >= 1) or resnet (H >= 2)")
    n = x.shape[0]
    with mp.workdps(int(dps)):
        pair, dpair, mean, c = mp_closed_form(activation)
        rows = [[mp.mpf(float(v)) for v in r] for r in x]
        if unit_norm:
            rows = [[v / mp.sqrt(mp.fsum(u * u for u in r)) for v in r] if any(r) else r for r in rows]
        K0 = [[mp.fsum(a * b for a, b in zip(rows[i], rows[j])) for j in range(n)] for i in range(n)]

        def dual(K, f):
            return [[f(K[i][i], K[i][j], K[j][j]) for j in range(n)] for i in range(n)]

        layers = [K0]
        if kind == "fc":
            for _ in range(1, H):
                M = dual(layers[-1], pair)
                layers.append([[c * v for v in r] for r in M])
            cov = layers[-2] if (literal and H >= 2) else layers[-1]
            D = dual(cov, dpair)
            KH = [[c * layers[-1][i][j] * D[i][j] for j in range(n)] for i in range(n)]
        else:
            r = mp.mpf(float(c_res)) / H
            layers.append([[c * v for v in row] for row in dual(K0, pair)])
            b = [mp.sqrt(c) * mean(K0[i][i]) for i in range(n)]
            for _ in range(2, H):
                Kp = layers[-1]
                mu = [mean(Kp[i][i]) for i in range(n)]
                M = dual(Kp, pair)
                cross = [[(b[i] * mu[i] + b[j] * mu[j]) if literal else (b[i] * mu[j] + mu[i] * b[j]) for j in range(n)]
                         for i in range(n)]
                layers.append([[Kp[i][j] + r * cross[i][j] + r * r * M[i][j] for j in range(n)] for i in range(n)])
                b = [b[i] + r * mu[i] for i in range(n)]
            cov = layers[-2] if literal else layers[-1]
            D = dual(cov, dpair)
            KH = [[r * r * layers[-1][i][j] * D[i][j] for j in range(n)] for i in range(n)]
        return mp.matrix([[(KH[i][j] + KH[j][i]) / 2 for j in range(n)] for i in range(n)])


def mp_eigenvalues(K, dps: int) -> list:
    """Eigenvalues (ascending, mpf) of a symmetric ``mpmath.matrix`` at ``dps`` digits."""
    import mpmath as mp

    with mp.workdps(int(dps)):
        ev = mp.eigsy(K, eigvals_only=True)
        return sorted(ev[i] for i in range(len(ev)))


#: Digits the mp evaluation of K^(H) may lose (elementary functions and the recursion): its error allowance.
MP_LOST_DIGITS: int = 10


def mp_lambda_min(x: np.ndarray, act: str, kind: str, H: int, *, ladder: tuple[int, ...] = tolerance.MP_LADDER,
                  lost_digits: int = MP_LOST_DIGITS) -> dict:
    """lambda_min(K^(H)) (Definition 5.1 / 6.1 of ``002_7f4fd584f3752d2b.txt``) from the
    closed-form moments (:func:`analytic_gram_mp`) at the ``ladder`` digits
    (:data:`landscape._lib.tolerance.MP_LADDER`).

    The rows are normalised to unit length at the working precision (the claims' data are
    unit-norm; float64 rows are so only to ~1e-16, which would break polynomial structure
    at that level).  At D digits the entries carry at most ``10^-(D - lost_digits) max|K|`` error, so the
    eigenvalue carries ``n`` times that (Weyl).  Decided at the last rung by
    :func:`tolerance.eigenvalue_with_bound`, provided consecutive rungs agree within the
    coarser one's bound (else band); also 'zero' if it is within the bound at every rung.
    Returns ``decision`` (precision ``mp<D>``), ``lambda_min``, ``error_bound``, ``stable`` and
    ``rungs`` (digits -> lambda_min).
    """
    n = x.shape[0]
    rungs = []
    for dps in ladder:
        K = analytic_gram_mp(x, H, act, kind, dps=dps, unit_norm=True)
        lam = mp_eigenvalues(K, dps)[0]
        kmax = max(abs(float(K[i, j])) for i in range(n) for j in range(n))
        err = n * 10.0 ** -(dps - lost_digits) * kmax
        rungs.append((dps, lam, err))
    stable = all(abs(float(a[1] - b[1])) <= a[2] for a, b in itertools.pairwise(rungs))
    dps, lam, err = rungs[-1]
    dec = tolerance.eigenvalue_with_bound(float(lam), err)
    if dec.outcome == "zero" and not all(abs(float(l_)) <= e for _, l_, e in rungs):
        dec = tolerance.Decision(dec.value, "band", 0.0)
    if not stable and dec.outcome == "nonzero":
        dec = tolerance.Decision(dec.value, "band", 0.0)
    return {"decision": tolerance.Decision(dec.value, dec.outcome, dec.margin, f"mp{dps}"),
            "lambda_min": float(lam), "error_bound": err, "stable": stable,
            "rungs": {str(d): float(l_) for d, l_, _ in rungs}}
