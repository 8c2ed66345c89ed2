"""Fully connected networks of Li, Ding, Sun (``004_c552a5c94484e66a.txt`` eq. (1)-(4)).

Data are columns: ``X in R^{d_0 x N}``.  Without bias (eq. 4)::

    T_1 = Phi(W_1 X),  T_i = Phi(W_i T_{i-1}),  T_{H+1} = W_{H+1} T_H

and with bias (eq. 1-3) ``T_i = Phi([W_i b_i] [T_{i-1}; 1])``.  ``W_i`` is
``d_i x d_{i-1}``; the output layer ``W_{H+1}`` (``d_{H+1} x d_H``) is linear and has no
bias.  The loss is ``E(W) = l(Y, W_{H+1} T_H)`` (eq. 5).

An :class:`MLPSpec` is the description; :class:`MLP` pairs it with float64 weights and
offers the forward pass, the flat parameter view (for Hessians and optimisers) and the
multiple-precision forward pass used to settle rank decisions in the tolerance band.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from fractions import Fraction

import numpy as np
import torch

from landscape._lib import activations
from landscape._lib.errors import LandscapeError


@dataclass(frozen=True)
class MLPSpec:
    """Architecture: input dim ``d0``, hidden widths ``(d_1..d_H)``, output dim, activation, bias."""

    d0: int
    widths: tuple[int, ...]
    d_out: int = 1
    activation: str = "sigmoid"
    bias: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.d0, (int, np.integer)) or self.d0 < 1:
            raise LandscapeError(f"input dimension d0={self.d0!r} is invalid; expected an integer >= 1")
        if len(self.widths) < 1:
            raise LandscapeError(f"depth H={len(self.widths)} is invalid; expected at least one hidden layer")
        for i, w in enumerate(self.widths, start=1):
            if not isinstance(w, (int, np.integer)) or w < 1:
                raise LandscapeError(f"width d_{i}={w!r} is invalid; expected an integer >= 1")
        if not isinstance(self.d_out, (int, np.integer)) or self.d_out < 1:
            raise LandscapeError(f"output dimension d_out={self.d_out!r} is invalid; expected an integer >= 1")
        activations.get(self.activation)  # raises on an unknown name
        object.__setattr__(self, "widths", tuple(int(w) for w in self.widths))

    @property
    def depth(self) -> int:
        """Number of hidden layers H."""
        return len(self.widths)

    @property
    def d_H(self) -> int:
        """Width of the last hidden layer."""
        return self.widths[-1]

    def shapes(self) -> list[tuple[int, int]]:
        """Shapes of (W_1, ..., W_{H+1}); with bias, W_i includes the bias column (last)."""
        dims = [self.d0, *self.widths]
        extra = 1 if self.bias else 0
        hidden = [(dims[i + 1], dims[i] + extra) for i in range(self.depth)]
        return [*hidden, (self.d_out, self.d_H)]

    def n_params(self) -> int:
        return sum(a * b for a, b in self.shapes())

    def as_dict(self) -> dict:
        d = asdict(self)
        d["widths"] = list(self.widths)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "MLPSpec":
        try:
            return cls(int(d["d0"]), tuple(int(w) for w in d["widths"]), int(d.get("d_out", 1)),
                       str(d["activation"]), bool(d.get("bias", False)))
        except KeyError as e:
            raise LandscapeError(f"architecture is missing the field {e.args[0]!r}") from None


def check_data(x: np.ndarray, *, name: str = "X") -> np.ndarray:
    """Validate a data matrix: 2-d, finite float64.  Returns it as float64."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise LandscapeError(f"{name} has shape {x.shape}; expected a 2-d array (features x samples)")
    bad = ~np.isfinite(x)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise LandscapeError(f"{name}[{i}, {j}] = {float(x[i, j])}; expected finite values (no NaN or inf)")
    return x


class MLP:
    """An :class:`MLPSpec` with concrete float64 weights ``[W_1, ..., W_{H+1}]``."""

    def __init__(self, spec: MLPSpec, weights: list[np.ndarray] | list[torch.Tensor]):
        shapes = spec.shapes()
        if len(weights) != len(shapes):
            raise LandscapeError(f"got {len(weights)} weight matrices; expected {len(shapes)} for {spec}")
        ws = []
        for i, (w, s) in enumerate(zip(weights, shapes), start=1):
            t = torch.as_tensor(np.asarray(w, dtype=np.float64) if not torch.is_tensor(w) else w,
                                dtype=torch.float64)
            if tuple(t.shape) != s:
                raise LandscapeError(f"W_{i} has shape {tuple(t.shape)}; expected {s}")
            if not torch.isfinite(t).all():
                raise LandscapeError(f"W_{i} has non-finite entries; expected finite float64 weights")
            ws.append(t)
        self.spec = spec
        self.weights = ws

    @classmethod
    def random(cls, spec: MLPSpec, rng: np.random.Generator, *, scale: str = "fan_in") -> "MLP":
        """Gaussian weights from ``rng``: N(0, 1/fan_in) (``scale='fan_in'``) or N(0, 1) (``'unit'``)."""
        ws = []
        for a, b in spec.shapes():
            std = 1.0 / np.sqrt(b) if scale == "fan_in" else 1.0
            ws.append(rng.normal(0.0, std, size=(a, b)))
        return cls(spec, ws)

    # -- views -------------------------------------------------------------------------
    def flat(self) -> torch.Tensor:
        """All weights as one flat float64 vector (W_1 row-major, then W_2, ...)."""
        return torch.cat([w.reshape(-1) for w in self.weights])

    def unflatten(self, v: torch.Tensor) -> list[torch.Tensor]:
        out, i = [], 0
        for a, b in self.spec.shapes():
            out.append(v[i:i + a * b].reshape(a, b))
            i += a * b
        return out

    def hidden(self, x: np.ndarray | torch.Tensor, weights: list[torch.Tensor] | None = None) -> list[torch.Tensor]:
        """Hidden outputs ``[T_1, ..., T_H]`` (each ``d_i x N``) for data ``x`` (``d0 x N``)."""
        ws = self.weights if weights is None else weights
        t = torch.as_tensor(check_data(x) if not torch.is_tensor(x) else x, dtype=torch.float64)
        if t.shape[0] != self.spec.d0:
            raise LandscapeError(f"data has {t.shape[0]} rows; expected d0={self.spec.d0} (features x samples)")
        act = activations.get(self.spec.activation)
        outs = []
        for w in ws[:-1]:
            if self.spec.bias:
                t = torch.cat([t, torch.ones(1, t.shape[1], dtype=torch.float64)], dim=0)
            t = act(w @ t)
            outs.append(t)
        return outs

    def forward(self, x, weights: list[torch.Tensor] | None = None) -> torch.Tensor:
        """Network output ``T_{H+1} = W_{H+1} T_H`` (``d_out x N``)."""
        ws = self.weights if weights is None else weights
        return ws[-1] @ self.hidden(x, ws)[-1]

    def forward_flat(self, v: torch.Tensor, x) -> torch.Tensor:
        """Forward pass from a flat parameter vector (for torch.func)."""
        return self.forward(x, self.unflatten(v))

    def hidden_mp(self, x: np.ndarray, dps: int):
        """T_H computed in mpmath at ``dps`` digits from the exact float64 data and weights."""
        import mpmath

        f = activations.get(self.spec.activation).mpmath()
        with mpmath.workdps(dps):
            t = mpmath.matrix(np.asarray(x, dtype=np.float64).tolist())
            for w in self.weights[:-1]:
                if self.spec.bias:
                    rows = [[t[i, j] for j in range(t.cols)] for i in range(t.rows)] + [[1] * t.cols]
                    t = mpmath.matrix(rows)
                wm = mpmath.matrix(w.numpy().tolist())
                pre = wm * t
                t = pre.apply(f)
            return t

    def output_merges(self, x: np.ndarray, dps: int) -> list[dict]:
        """Pairs of data points whose hidden outputs agree at ``dps`` digits although their
        pre-activations do not, each with its cause.

        Computed in mpmath at ``dps`` digits (mpmath has an unbounded exponent, so a
        pre-activation of size e^-10^17 is represented, not flushed to 0).  A merge at
        hidden layer ``l`` is a pair ``(i, j)`` whose pre-activation columns differ by more
        than the noise floor ``10^-(dps - HP_LOST_DIGITS)`` (relative) while their
        activation outputs differ by less.  The first-order estimate of the true output
        separation, ``max_k |sigma'(m_k)| |dp_k| / scale`` (``m_k`` the midpoint of the two
        pre-activations of unit ``k``), decides the cause:

        * ``"saturation"``: the estimate is positive but at or below the floor -- the outputs
          are truly distinct, by less than ``dps`` digits resolve (e.g. both pre-activations
          within 10^-10^17 of a point where sigma is flat at working precision): the
          agreement is the precision's, not the network's;
        * ``"identity"``: the estimate is 0 (e.g. an even sigma at opposite pre-activations:
          ``z^2`` at ``+-p``) or above the floor (the outputs should differ to first order, yet
          agree: a periodic or other exact coincidence) -- a genuine equality, not saturation.

        Returns ``[{"layer", "i", "j", "log10_sep_in", "log10_sep_out",
        "log10_sep_out_first_order", "cause"}]`` (``log10_sep_out`` is ``-inf`` when the outputs
        are equal at ``dps`` digits).
        """
        import mpmath

        from landscape._lib.tolerance import HP_LOST_DIGITS

        f = activations.get(self.spec.activation).mpmath()
        merges: list[dict] = []
        with mpmath.workdps(dps):
            floor = mpmath.mpf(10) ** -(dps - HP_LOST_DIGITS)

            def rel_sep(m, i: int, j: int):
                scale = max(max(abs(m[k, i]), abs(m[k, j])) for k in range(m.rows))
                if scale == 0:
                    return mpmath.mpf(0)
                return max(abs(m[k, i] - m[k, j]) for k in range(m.rows)) / scale

            def log10(v) -> float:
                return float(mpmath.log10(v)) if v > 0 else -math.inf

            t = mpmath.matrix(np.asarray(x, dtype=np.float64).tolist())
            for layer, w in enumerate(self.weights[:-1], start=1):
                if self.spec.bias:
                    t = mpmath.matrix([[t[i, j] for j in range(t.cols)] for i in range(t.rows)] + [[1] * t.cols])
                pre = mpmath.matrix(w.numpy().tolist()) * t
                t = pre.apply(f)
                for i in range(t.cols):
                    for j in range(i + 1, t.cols):
                        s_in, s_out = rel_sep(pre, i, j), rel_sep(t, i, j)
                        if s_in > floor and s_out <= floor:
                            # first-order estimate of the true output separation: |sigma'(m)| |dp| / scale
                            scale = max(max(abs(t[k, i]), abs(t[k, j])) for k in range(t.rows))
                            est = max(abs(mpmath.diff(f, (pre[k, i] + pre[k, j]) / 2)) * abs(pre[k, i] - pre[k, j])
                                      for k in range(t.rows)) / scale if scale > 0 else mpmath.mpf(0)
                            cause = "saturation" if 0 < est <= floor else "identity"
                            merges.append({"layer": layer, "i": i, "j": j, "log10_sep_in": log10(s_in),
                                           "log10_sep_out": log10(s_out), "log10_sep_out_first_order": log10(est),
                                           "cause": cause})
        return merges

    def saturation_merges(self, x: np.ndarray, dps: int) -> list[dict]:
        """The merges of :meth:`output_merges` caused by saturation only (first-order estimate
        of the true separation positive but below the ``dps``-digit floor).  For an analytic,
        non-constant activation such an agreement is an artefact of the precision, so a rank
        deficiency caused by it cannot be decided at ``dps`` digits; an exact identity
        (estimate 0, or above the floor) is not reported here: it is a genuine coincidence.
        """
        return [m for m in self.output_merges(x, dps) if m["cause"] == "saturation"]

    def hidden_exact(self, x: np.ndarray) -> list[list["Fraction"]]:
        """``T_H`` in exact rational arithmetic from the exact float64 data and weights.

        Only for activations with ``rational_exact`` (ReLU, leaky ReLU with slope 1/100,
        linear, z^p): every entry is then a rational number computed without rounding.
        Returns the rows of ``T_H`` as lists of :class:`fractions.Fraction`.
        """
        from fractions import Fraction

        act = activations.get(self.spec.activation)
        if not act.rational_exact:
            raise LandscapeError(f"activation {act.name!r} has no exact rational evaluation; expected one of "
                                 "relu, leaky_relu, linear, poly2..poly6")
        f = act.rational()
        t = [[Fraction(float(v)) for v in row] for row in check_data(x).tolist()]
        for w in self.weights[:-1]:
            if self.spec.bias:
                t = t + [[Fraction(1)] * len(t[0])]
            wq = [[Fraction(float(v)) for v in row] for row in w.numpy().tolist()]
            t = [[f(sum((a * t[k][j] for k, a in enumerate(row) if a), Fraction(0))) for j in range(len(t[0]))]
                 for row in wq]
        return t

    def with_weights(self, weights: list) -> "MLP":
        return MLP(self.spec, weights)

    def weights_numpy(self) -> list[np.ndarray]:
        return [w.detach().numpy().copy() for w in self.weights]


def squared_loss(spec: MLPSpec, x: np.ndarray, y: np.ndarray):
    """E(W) = sum_i (W_{H+1} T_H - Y)_i^2 (Li, Ding, Sun ``004_c552a5c94484e66a.txt``, eq. 5 with the squared
    loss) as a function of the flat float64 weights (:meth:`MLP.forward_flat`).  It carries its multiple-precision
    form (attribute ``mp``, :func:`landscape._lib.certify.mpform.mlp_squared_form`) for the certificates."""
    from landscape._lib import losses

    from landscape._lib.certify.mpform import attach, mlp_squared_form

    net = MLP(spec, [np.zeros(s) for s in spec.shapes()])
    xt, yt = torch.as_tensor(x, dtype=torch.float64), torch.as_tensor(y, dtype=torch.float64)
    sq = losses.get("squared")

    def loss(v: torch.Tensor) -> torch.Tensor:
        return sq.total(yt, net.forward_flat(v, xt))

    return attach(loss, mlp_squared_form(spec, x, np.asarray(y, dtype=np.float64)))
