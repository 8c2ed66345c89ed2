"""Jiang's disparity matrix H(w) and the gradient identity eq. (9).

Source: ``000_aea297099283b0eb.txt`` section 3.2, eq. (8)-(9), and section 3.3.

A network is given *functionally*: ``f(params, x) -> (P,)`` with ``params`` a flat
float64 tensor of ``M`` weights and ``x`` a ``(P, K)`` tensor of points of
``U^K = [0, 1]^K``.  Row ``m`` of the ``M x N`` disparity matrix is the vector of
truncated Fourier coefficients (eq. 4, ``k in box(n)``, ordered as
:func:`landscape._lib.canonical.box`) of the function ``x -> d f_w(x) / d w_m``:

    H_{m,k}(w) = int_{U^K} (d f_w / d w_m)(x) exp(-2 pi i k . x) dx = d theta_k(w) / d w_m.

It is computed by one Jacobian of ``f`` on the grid of :func:`landscape._lib.fourier.grid`
(``torch.func``: ``vmap`` over points of ``grad`` in the weights -- per-point reverse
mode, i.e. ``jacrev`` of a scalar; no Python loop over points or weights) followed by one
batched FFT (:mod:`landscape._lib.fourier`, which documents the discretisation error).

Eq. (9) and its conjugation
---------------------------
With ``Q(theta) = sum_t l(y_t, sum_k theta_k eta_k(x_t))`` (proof of Theorem 1) and
``eta_k(x) = exp(2 pi i k . x)``, the canonical gradient in eq. (8)-(9) is the plain
(holomorphic) partial derivative, each ``theta_k`` treated as an independent variable:

    (grad_theta Q)_k = dQ/dtheta_k = sum_t l'(y_t, yhat_t) eta_k(x_t)      (no conjugate)

and eq. (9) reads ``grad_w Q = H(w) grad_theta Q`` with ``H`` *not* transposed or
conjugated (``H`` is ``M x N``, the gradient ``N x 1``).  The product is real because the
rows of ``H`` are conjugate-symmetric.  (The other common convention, the Wirtinger
gradient ``2 dQ/dconj(theta) = conj(grad_theta Q)``, needs ``conj(H)`` on the left;
``H conj(grad_theta Q)`` is also real but wrong -- the tests check both.  The paper's chain
rule "grad_w Q = grad_theta Q grad_w theta" only reads correctly with the plain
derivative.)  In the real view
(``c = complex_to_real(theta)``, real features ``psi_j``) the same identity is the real
``grad_w Q = H_real(w) grad_c Q`` with ``(grad_c Q)_j = sum_t l'(y_t, yhat_t) psi_j(x_t)``.

Eq. (9) is *exact* for ``Q(F_eps(f_w))`` -- the loss of the truncated series -- as a
function of ``w`` (it is the chain rule through the linear map ``w -> theta``; the tests
check this to round-off).  Against the loss of the network itself, ``Q(f_w | D_T)``
(eq. 3), it holds only up to the truncation: the left side is
``sum_t l'(y_t, f_w(x_t)) df_w(x_t)/dw`` while the right side is
``sum_t l'(y_t, fhat_w(x_t)) S_N[df_w/dw](x_t)`` (``S_N`` = partial sum over the box).
:func:`eq9` measures the discrepancy together with both sources: the energy of
``df/dw`` outside the box and the pointwise truncation at the data.

The residual is therefore *predicted* by the pointwise truncation errors alone:

    grad_w Q - H grad_theta Q = sum_t [ l'(y_t, f_t) J_t - l'(y_t, fhat_t) (S_N J)_t ]

with ``J_t = df_w(x_t)/dw`` (the Jacobian at the data, by autograd), ``f_t = f_w(x_t)``, and
``fhat_t``, ``(S_N J)_t`` the truncated series of ``f`` and ``df/dw`` evaluated at the data
(complex features times ``theta`` / ``H``).  :func:`eq9` computes that prediction
(``residual_predicted``) on a path independent of the product it checks: the measured
residual is ``lhs - rhs_real``, the literal gradient (autograd of ``Q``) minus the *real
view* ``H_real grad_c Q`` (``fourier.to_real`` and ``canonical.real_features``), the
prediction uses the complex series and the per-point Jacobian.  :func:`eq9_agreement` is the
relative difference of the two; it is round-off whatever the truncation (an algebraic
identity), so a clear difference is a failure of eq. (9)'s decomposition as implemented:
a conjugated or transposed ``H``, columns of ``H`` out of step with the features, a wrong
real view, ``l'`` taken at the wrong outputs.  It cannot see an error common to ``H`` and
its own partial sums (a wrong FFT): that is what the exact-coefficient tests and the measured
discretisation error are for.

Modules
-------
* :mod:`~landscape._lib.disparity.network_jacobian` -- validation, :func:`evaluate`, :func:`jacobian`;
* :mod:`~landscape._lib.disparity.matrix` -- :class:`Disparity` / :func:`disparity` (FFT-based H(w)),
  :func:`disparity_refinement`, :class:`DisparityBatch` / :func:`disparity_batch`;
* :mod:`~landscape._lib.disparity.discretisation` -- :class:`DiscretisationError`,
  :func:`disparity_with_error`, :class:`RankWithError` / :func:`rank_with_error`, :func:`normalised_spectrum`;
* :mod:`~landscape._lib.disparity.relu_exact` -- exact H(w) of two-layer ReLU networks
  (:func:`relu_two_layer_exact`, :func:`relu_two_layer_exact_mp`);
* :mod:`~landscape._lib.disparity.eq9_identity` -- :func:`eq9`, :func:`eq9_agreement`, :func:`eq9_limit`,
  :func:`literal_gradient`, :func:`canonical_gradient`.
"""

from landscape._lib.disparity.discretisation import (
    EXACT,
    DiscretisationError,
    RankWithError,
    disparity_with_error,
    normalised_spectrum,
    rank_with_error,
)
from landscape._lib.disparity.eq9_identity import (
    Eq9,
    Eq9Limit,
    canonical_gradient,
    eq9,
    eq9_agreement,
    eq9_limit,
    literal_gradient,
)
from landscape._lib.disparity.matrix import (
    BATCH_BYTES,
    Disparity,
    DisparityBatch,
    disparity,
    disparity_batch,
    disparity_refinement,
)
from landscape._lib.disparity.network_jacobian import (
    MAX_JACOBIAN_BYTES,
    METHODS,
    LossFn,
    Method,
    NetworkFn,
    Residual,
    evaluate,
    jacobian,
    squared_loss,
)
from landscape._lib.disparity.relu_exact import relu_two_layer_exact, relu_two_layer_exact_mp

__all__ = [
    "BATCH_BYTES", "Disparity", "DisparityBatch", "DiscretisationError", "EXACT", "Eq9", "Eq9Limit",
    "MAX_JACOBIAN_BYTES", "METHODS", "RankWithError", "canonical_gradient", "disparity", "disparity_batch",
    "disparity_refinement", "disparity_with_error", "eq9", "eq9_agreement", "eq9_limit", "evaluate", "jacobian", "literal_gradient",
    "normalised_spectrum", "rank_with_error", "relu_two_layer_exact", "relu_two_layer_exact_mp", "squared_loss",
]
