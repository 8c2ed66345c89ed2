"""The Hessian of a loss at a point: exact (``torch.func.hessian``), Hessian-vector products, and
the spectrum with sign / zero decisions (exact ``eigh`` or Lanczos / ARPACK on shifted operators).

Rule 3-6 of the package docstring (:mod:`landscape._lib.certify`) read the
:class:`HessianSpectrum` this module computes.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np
import torch

from landscape._lib import tolerance
from landscape._lib.certify.base import LossFn, flat64
from landscape._lib.certify.decisions import eig_decision
from landscape._lib.jsonable import jsonable
from landscape._lib.tolerance import Decision


def _dec(d: Decision | None) -> dict | None:
    return None if d is None else d.as_dict()


def exact_hessian(loss: LossFn, w: torch.Tensor) -> torch.Tensor:
    """The symmetrised ``n x n`` Hessian (``torch.func.hessian``; autograd fallback)."""
    w = flat64(w)
    try:
        with warnings.catch_warnings():  # torch's forward-AD decompositions, loaded on first use, call torch.jit.script
            warnings.filterwarnings("ignore", message=".*torch.jit.script.*", category=DeprecationWarning)
            h = torch.func.hessian(loss)(w)
    except Exception:  # loss not transformable by torch.func (e.g. data-dependent Python control flow)
        h = torch.autograd.functional.hessian(loss, w)
    h = h.detach().reshape(w.numel(), w.numel())
    return 0.5 * (h + h.T)


def hvp_function(loss: LossFn, w: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """``v -> H(w) v``: ``torch.func.vjp`` of ``torch.func.grad`` (one reverse pass per product).

    Falls back to autograd double-backward (``create_graph``) if ``loss`` is not
    transformable by torch.func.  Both reuse the graph of the gradient across products.
    """
    w = flat64(w)
    probe = torch.zeros_like(w)
    try:
        _, vjp_fn = torch.func.vjp(torch.func.grad(loss), w)
        vjp_fn(probe)

        def hvp(v: torch.Tensor) -> torch.Tensor:
            return vjp_fn(v)[0].detach()

        return hvp
    except Exception:
        wr = w.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(loss(wr), wr, create_graph=True)

        def hvp_ag(v: torch.Tensor) -> torch.Tensor:
            if not g.requires_grad:  # gradient does not depend on w: Hessian is zero
                return torch.zeros_like(v)
            (hv,) = torch.autograd.grad(g, wr, grad_outputs=v, retain_graph=True, allow_unused=True)
            return torch.zeros_like(v) if hv is None else hv.detach()

        return hvp_ag


@dataclass
class HessianSpectrum:
    """Eigenvalues of the Hessian at ``w`` with sign / zero decisions.

    ``method``: ``exact`` (all ``n`` eigenvalues) or ``lanczos`` (the ``k`` smallest and
    ``k_top`` largest; ``complete=False``: counts cover only those).  ``lambda_abs_max`` is
    ``Lambda = max |lambda|`` (the normaliser); ``normalised[i] = eigenvalues[i] / Lambda``
    and ``residuals[i] = |H v_i - lambda_i v_i| / Lambda``.  ``outcomes[i]`` is
    ``negative`` / ``zero`` / ``positive`` / ``band`` (see
    :func:`~landscape._lib.certify.decisions.eig_decision`) with ``margins[i]`` in decades.
    ``definiteness``: ``pd`` (smallest eigenvalue positive), ``indefinite`` (smallest
    negative), ``psd-singular`` (smallest zero, none negative), ``band`` or ``unavailable``.
    """

    method: str
    n: int
    eigenvalues: list[float]
    normalised: list[float]
    residuals: list[float]
    outcomes: list[str]
    margins: list[float]
    lambda_abs_max: float
    n_negative: int
    n_zero: int
    n_positive: int
    n_band: int
    complete: bool
    converged: bool
    definiteness: str
    min_decision: Decision | None
    seconds: float
    matvecs: int = 0
    notes: list[str] = field(default_factory=list)
    vectors: np.ndarray | None = field(default=None, repr=False)  # columns match eigenvalues

    @property
    def lambda_min(self) -> float | None:
        return self.eigenvalues[0] if self.eigenvalues else None

    @property
    def lambda_min_normalised(self) -> float | None:
        return self.normalised[0] if self.normalised else None

    def null_indices(self, *, include_band: bool = True) -> list[int]:
        """Indices of eigenvalues decided ``zero`` (and ``band`` unless told otherwise)."""
        ok = ("zero", "band") if include_band else ("zero",)
        return [i for i, o in enumerate(self.outcomes) if o in ok]

    def as_dict(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if k not in ("vectors", "min_decision")}
        d["min_decision"] = _dec(self.min_decision)
        d["lambda_min"] = self.lambda_min
        d["lambda_min_normalised"] = self.lambda_min_normalised
        return jsonable(d)


def _spectrum_from(method: str, n: int, vals: np.ndarray, vecs: np.ndarray | None, res_abs: np.ndarray,
                   complete: bool, converged: bool, seconds: float, matvecs: int,
                   notes: list[str]) -> HessianSpectrum:
    order = np.argsort(vals)
    vals = np.asarray(vals, dtype=np.float64)[order]
    res_abs = np.asarray(res_abs, dtype=np.float64)[order]
    vecs = None if vecs is None else vecs[:, order]
    lam = float(np.max(np.abs(vals))) if vals.size else 0.0
    if vals.size and lam <= tolerance.ABS_FLOOR:
        normalised = np.zeros_like(vals)
        rho = np.zeros_like(vals)
        lam = 0.0
        notes = notes + ["Hessian is the zero matrix (max |lambda| <= ABS_FLOOR): every eigenvalue is zero"]
    elif not vals.size:
        normalised, rho = vals, vals
    else:
        normalised = vals / lam
        rho = res_abs / lam
    outcomes, margins, decs = [], [], []
    for r, p in zip(normalised, rho):
        o, d = eig_decision(float(r), float(p))
        outcomes.append(o)
        margins.append(d.margin)
        decs.append(d)
    if not outcomes:
        definiteness, mind = "unavailable", None
    else:
        definiteness = {"positive": "pd", "negative": "indefinite", "zero": "psd-singular",
                        "band": "band"}[outcomes[0]]
        mind = decs[0]
    return HessianSpectrum(method, n, vals.tolist(), normalised.tolist(), rho.tolist(), outcomes, margins, lam,
                           outcomes.count("negative"), outcomes.count("zero"), outcomes.count("positive"),
                           outcomes.count("band"), complete, converged, definiteness, mind, seconds, matvecs,
                           notes, vecs)


def _eigsh_extreme(matvec, n: int, k: int, v0: np.ndarray, maxiter: int | None) -> tuple[np.ndarray, np.ndarray, bool]:
    """Largest-algebraic ``k`` eigenpairs of the operator (ARPACK, machine-precision tol)."""
    from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

    op = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
    try:
        vals, vecs = eigsh(op, k=k, which="LA", tol=0.0, v0=v0, maxiter=maxiter)
        return vals, vecs, True
    except ArpackNoConvergence as e:
        return np.asarray(e.eigenvalues), np.asarray(e.eigenvectors), False


def hessian_spectrum(loss: LossFn, w: torch.Tensor, *, exact_max_params: int = 600, k: int = 6, k_top: int = 2,
                     rng: np.random.Generator | None = None, maxiter: int | None = 2000) -> HessianSpectrum:
    """Hessian eigenvalues at ``w`` with decisions: exact up to ``exact_max_params``, else Lanczos.

    Exact: ``torch.func.hessian`` and ``numpy.linalg.eigh``; residuals computed explicitly.

    Lanczos (``n > exact_max_params``): Hessian-vector products from :func:`hvp_function`
    in a ``scipy.sparse.linalg.LinearOperator``; ARPACK ``eigsh``:

    1. ``Lambda0`` = largest |eigenvalue| (``which='LM'``, ``k=1``) -- the scale;
    2. the ``k`` smallest: largest-algebraic of ``I - H / Lambda0``;
    3. the ``k_top`` largest: largest-algebraic of ``I + H / Lambda0``.

    The shifts put the (often huge) cluster of near-zero eigenvalues at 1, where ARPACK's
    convergence test ``|r| <= tol * max(eps^(2/3), |theta|)`` is relative; on ``H`` itself
    a zero cluster never converges at machine precision.  Residuals ``|H v - lambda v|``
    are recomputed explicitly and enter every decision.
    """
    w = flat64(w)
    n = w.numel()
    t0 = time.perf_counter()
    notes: list[str] = []
    if n <= exact_max_params or n <= 2 * (k + k_top) + 2:
        h = exact_hessian(loss, w).numpy()
        if not np.all(np.isfinite(h)):
            raise FloatingPointError("the Hessian has non-finite entries")
        vals, vecs = np.linalg.eigh(h)
        res = np.linalg.norm(h @ vecs - vecs * vals, axis=0)
        return _spectrum_from("exact", n, vals, vecs, res, True, True, time.perf_counter() - t0, 0, notes)

    from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

    rng = np.random.default_rng(0) if rng is None else rng
    hvp = hvp_function(loss, w)
    count = [0]

    def hv(x: np.ndarray) -> np.ndarray:
        count[0] += 1
        out = hvp(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64).reshape(-1))).numpy()
        if not np.all(np.isfinite(out)):
            raise FloatingPointError("a Hessian-vector product has non-finite entries")
        return out

    v0 = rng.normal(size=n)
    try:
        lm = eigsh(LinearOperator((n, n), matvec=hv, dtype=np.float64), k=1, which="LM", tol=1e-6, v0=v0,
                   maxiter=maxiter, return_eigenvectors=False)
        lam0 = float(abs(lm[0]))
    except ArpackNoConvergence as e:
        lam0 = float(np.max(np.abs(e.eigenvalues))) if len(e.eigenvalues) else 0.0
        notes.append("ARPACK 'LM' (scale estimate) did not converge; used the partial estimate")
    if lam0 <= tolerance.ABS_FLOOR:
        # H v = 0 for the probe vectors: treat the Hessian as zero, null directions = random probes
        q, _ = np.linalg.qr(rng.normal(size=(n, k)))
        res = np.array([np.linalg.norm(hv(q[:, i])) for i in range(k)])
        return _spectrum_from("lanczos", n, np.zeros(k), q, res, False, True, time.perf_counter() - t0,
                              count[0], notes + ["largest |eigenvalue| is 0: the Hessian is numerically zero"])

    def bottom(x):
        return x - hv(x) / lam0

    def top(x):
        return x + hv(x) / lam0

    bv, bw, ok1 = _eigsh_extreme(bottom, n, k, v0, maxiter)
    tv, tw, ok2 = _eigsh_extreme(top, n, k_top, v0, maxiter)
    converged = ok1 and ok2
    if not converged:
        notes.append("ARPACK did not converge for some requested eigenpairs; only converged ones are used")
    vals = np.concatenate([lam0 * (1.0 - bv), lam0 * (tv - 1.0)])
    vecs = np.concatenate([bw.reshape(n, -1), tw.reshape(n, -1)], axis=1)
    res = np.array([np.linalg.norm(hv(vecs[:, i]) - vals[i] * vecs[:, i]) for i in range(vals.size)])
    spec = _spectrum_from("lanczos", n, vals, vecs, res, False, converged, time.perf_counter() - t0, count[0], notes)
    if not ok1 and spec.definiteness != "indefinite":
        # a converged negative Ritz pair still proves a negative eigenvalue (residual bound); nothing else does
        spec.definiteness = "unavailable"
    return spec


def largest_abs_eigenvalue(loss: LossFn, w: torch.Tensor, exact_max_params: int) -> float:
    """``Lambda = max |eigenvalue|`` of the Hessian at ``w``: exact up to ``exact_max_params`` parameters,
    else ARPACK ``eigsh`` (``which='LM'``) on Hessian-vector products (start vector from seed 0)."""
    if w.numel() <= exact_max_params:
        return float(np.max(np.abs(np.linalg.eigvalsh(exact_hessian(loss, w).numpy()))))
    from scipy.sparse.linalg import LinearOperator, eigsh

    hvp = hvp_function(loss, w)
    n = w.numel()
    op = LinearOperator((n, n), matvec=lambda x: hvp(torch.from_numpy(np.ascontiguousarray(x).reshape(-1))).numpy(),
                        dtype=np.float64)
    v0 = np.random.default_rng(0).normal(size=n)
    try:
        return float(abs(eigsh(op, k=1, which="LM", tol=1e-6, v0=v0, return_eigenvectors=False)[0]))
    except Exception:  # ARPACK: a zero Hessian ("starting vector is zero") or no convergence -- power iteration
        v = v0 / np.linalg.norm(v0)
        lam = 0.0
        for _ in range(50):
            hv = op.matvec(v)
            nv = float(np.linalg.norm(hv))
            if nv == 0.0 or not np.isfinite(nv):
                break
            lam, v = nv, hv / nv
        return lam
