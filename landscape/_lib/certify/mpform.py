"""A loss written once for every number type: :class:`LossForm`, and the library networks' forms.

A *loss form* is ``fn(w, ops) -> number``: ``w`` a 1-d numpy object array of ``n`` numbers (the flat
weights; indexing, slicing and elementwise arithmetic such as ``((w - 1) ** 2).sum()`` work),
``ops`` an :class:`~landscape._lib.certify.balls.Ops` namespace for elementary functions and the
registered activations; arithmetic is the numbers' own.  The same form then runs

* on floats (a check against the torch loss),
* on ``arb`` balls at any precision (the multiple-precision ladder; every value an enclosure),
* on :class:`~landscape._lib.certify.balls.Jet` s (exact-in-ball gradient and Hessian, over a
  point or over a whole ball of weights: the interval certificates).

The library's losses carry their form as the attribute ``mp`` of the torch function
(:func:`attach`): :func:`landscape._lib.networks.mlp.squared_loss`,
:meth:`landscape._lib.linear_nets.DeepLinear.loss_fn`,
:func:`landscape._lib.networks.two_layer.loss_in_w`; the certificates find it there
(:func:`form_of`).  A user's own torch loss can pass one as ``loss_mp=`` to
:func:`landscape.numerics.certify_critical` / :func:`landscape.numerics.certify_minimum`.  Example
(one sigmoid neuron, squared loss)::

    def loss_mp(w, ops):
        return sum((ops.sigmoid(w[0] * x) - y) ** 2 for x, y in [(1.0, 0.0), (4.0, 1.0)])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from landscape._lib.certify import balls
from landscape._lib.errors import LandscapeError

FormFn = Callable[[Sequence[Any], balls.Ops], Any]


@dataclass(frozen=True)
class LossForm:
    """``fn(w, ops)``: the loss on ``n`` numbers of any type (see the module docstring); ``name`` says what it is."""

    fn: FormFn
    n: int | None = None
    name: str = "user loss form"

    def check_n(self, n: int) -> None:
        if self.n is not None and self.n != n:
            raise LandscapeError(f"{self.name} takes {self.n} parameters; the point has {n}")

    # -- evaluations ---------------------------------------------------------------
    def value_float(self, w: Sequence[float]) -> float:
        return float(self.fn(_vec([float(v) for v in w]), balls.Ops()))

    def value_ball(self, w: Sequence[Any], bits: int) -> Any:
        """The loss as a ball at ``bits`` of working precision (``w``: floats or balls)."""
        with balls.precision(bits):
            return self.fn(_vec([balls.to_arb(v) for v in w]), balls.Ops())

    def jet(self, w: Sequence[Any], bits: int, order: int) -> tuple[Any, Any, Any, int]:
        """``(value, gradient 1 x n, Hessian n x n or None, kinks)`` as balls over ``w`` (floats or balls)."""
        ops = balls.Ops()
        with balls.precision(bits):
            xs = balls.Jet.variables([balls.to_arb(v) for v in w], order=order)
            out = self.fn(_vec(xs), ops)
            if not isinstance(out, balls.Jet):  # a constant loss
                n = len(w)
                return balls.to_arb(out), balls.arb_mat(1, n), balls.arb_mat(n, n) if order >= 2 else None, ops.kinks
            n = len(w)
            g = out.g if out.g is not None else balls.arb_mat(1, n)
            h = None
            if order >= 2:
                h = out.h if out.h is not None else balls.arb_mat(n, n)
            return out.v, g, h, ops.kinks


def _vec(xs: list) -> np.ndarray:
    """The numbers as a 1-d numpy object array: ``w[0]``, slices and elementwise ``w - c``, ``(w ** 2).sum()`` work."""
    out = np.empty(len(xs), dtype=object)
    out[:] = xs
    return out


def as_form(obj: Any, *, n: int | None = None) -> LossForm | None:
    """``obj`` as a :class:`LossForm`: a form is returned as is, a callable ``fn(w, ops)`` wrapped, ``None`` kept."""
    if obj is None or isinstance(obj, LossForm):
        return obj
    if callable(obj):
        return LossForm(obj, n)
    raise LandscapeError(f"loss_mp={obj!r} is invalid; expected a callable fn(w, ops) or a LossForm")


def attach(loss: Callable, form: LossForm) -> Callable:
    """Give the torch loss function ``loss`` its form (attribute ``mp``); returns ``loss``."""
    loss.mp = form  # type: ignore[attr-defined]
    return loss


def form_of(loss: Callable, loss_mp: Any = None) -> LossForm | None:
    """The form to certify ``loss`` with: ``loss_mp`` if given, else the loss's own ``mp`` attribute, else ``None``."""
    if loss_mp is not None:
        return as_form(loss_mp)
    f = getattr(loss, "mp", None)
    return f if isinstance(f, LossForm) else None


# =======================================================================================
# The library networks' forms
# =======================================================================================

def _cols(x: np.ndarray) -> list[list[float]]:
    return [[float(v) for v in row] for row in np.asarray(x, dtype=np.float64)]


def mlp_squared_form(spec, x: np.ndarray, y: np.ndarray) -> LossForm:
    """Li-Ding-Sun eq. (1)-(5) with the squared loss, ``sum_i (W_{H+1} T_H - Y)_i^2``, on the flat weights
    (:meth:`landscape._lib.networks.mlp.MLP.flat` order: W_1 row-major, bias column last, ...)."""
    shapes = spec.shapes()
    xr = _cols(x)  # d0 rows of N samples
    yr = _cols(np.asarray(y, dtype=np.float64).reshape(spec.d_out, -1))
    n_samples = len(xr[0]) if xr else 0
    bias, act_name = spec.bias, spec.activation
    n = sum(a * b for a, b in shapes)

    def fn(w, ops):
        sigma = ops.activation(act_name)
        t = xr
        off = 0
        for layer, (a, b) in enumerate(shapes):
            rows = []
            last = layer == len(shapes) - 1
            for i in range(a):
                wi = w[off + i * b: off + (i + 1) * b]
                row = []
                for s in range(n_samples):
                    acc = None
                    for j in range(len(t)):
                        c = t[j][s]
                        if isinstance(c, float) and c == 0.0:
                            continue
                        term = wi[j] * c
                        acc = term if acc is None else acc + term
                    if bias and not last:
                        acc = wi[b - 1] if acc is None else acc + wi[b - 1]
                    if acc is None:
                        acc = 0.0
                    row.append(acc if last else sigma(acc))
                rows.append(row)
            off += a * b
            t = rows
        total = None
        for i in range(len(t)):
            for s in range(n_samples):
                r = t[i][s] - yr[i][s]
                sq = r * r
                total = sq if total is None else total + sq
        return 0.0 if total is None else total

    return LossForm(fn, n, f"squared loss of the {act_name} MLP {spec.d0}-{'-'.join(map(str, spec.widths))}-{spec.d_out}")


def deep_linear_form(dims: Sequence[int], x: np.ndarray, y: np.ndarray) -> LossForm:
    """``1/2 ||Y - W_H..W_1 X||_F^2`` (the essay's eq. (3) on a finite dataset), flat weights W_1 first, row-major."""
    dims = tuple(int(d) for d in dims)
    shapes = [(dims[k + 1], dims[k]) for k in range(len(dims) - 1)]
    xr, yr = _cols(x), _cols(y)
    n_samples = len(xr[0]) if xr else 0
    n = sum(a * b for a, b in shapes)

    def fn(w, ops):
        t = xr
        off = 0
        for a, b in shapes:
            t = [[_dot([w[off + i * b + j] for j in range(b)], [t[j][s] for j in range(b)]) for s in range(n_samples)]
                 for i in range(a)]
            off += a * b
        total = None
        for i in range(len(t)):
            for s in range(n_samples):
                r = yr[i][s] - t[i][s]
                total = r * r if total is None else total + r * r
        return 0.0 if total is None else total * 0.5

    return LossForm(fn, n, f"deep linear network {'-'.join(map(str, dims))}, 1/2 squared loss")


def _dot(ws, cs):
    acc = None
    for wv, c in zip(ws, cs):
        if isinstance(c, float) and c == 0.0:
            continue
        term = wv * c
        acc = term if acc is None else acc + term
    return 0.0 if acc is None else acc


def two_layer_form(act: str, x: np.ndarray, y: np.ndarray, a: np.ndarray, m: int) -> LossForm:
    """Du et al. eq. (10) in ``W`` (``m x d`` row-major, ``a`` fixed): ``1/2 sum_i ((1/sqrt m) sum_r a_r
    sigma(w_r . x_i) - y_i)^2``."""
    xs = [[float(v) for v in row] for row in np.asarray(x, dtype=np.float64)]  # N x d
    ys = [float(v) for v in np.asarray(y, dtype=np.float64).reshape(-1)]
    av = [float(v) for v in np.asarray(a, dtype=np.float64).reshape(-1)]
    d = len(xs[0]) if xs else 0

    def fn(w, ops):
        sigma = ops.activation(act)
        inv = 1 / ops.sqrt(_num_like(w, m))
        total = None
        for xi, yi in zip(xs, ys):
            u = None
            for r in range(m):
                z = _dot([w[r * d + k] for k in range(d)], xi)
                term = sigma(z) * av[r]
                u = term if u is None else u + term
            res = u * inv - yi
            total = res * res if total is None else total + res * res
        return 0.0 if total is None else total * 0.5

    return LossForm(fn, m * d, f"two-layer {act} network (Du et al. eq. (10)) in W, m = {m}")


def _num_like(w, v: int):
    """``v`` as the number type of ``w``'s entries (so ``ops.sqrt`` is exact in balls)."""
    e = w[0] if len(w) else 0.0
    if isinstance(e, balls.Jet) or (balls.arb is not None and isinstance(e, balls.arb)):
        return balls.arb(int(v))
    if isinstance(e, float):
        return float(v)
    import mpmath

    return mpmath.mpf(v)


__all__ = ["FormFn", "LossForm", "as_form", "attach", "deep_linear_form", "form_of", "mlp_squared_form",
           "two_layer_form"]
