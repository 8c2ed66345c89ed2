"""Gram matrices of Du, Lee, Li, Wang, Zhai (ICML 2019): analytic limits, finite-width
Gram matrices, and gradient descent.

Paper: ``/work/shared/papers/002_7f4fd584f3752d2b.txt``.  Networks: eq. (2) (FC) and
eq. (3) (ResNet), implemented in :mod:`landscape._lib.networks.du` (data are rows, ``n x d``).
Every activation fact (numpy form, derivatives, closed-form dual kernel in float64 and
mpmath, ``c_sigma``) lives in the activation record (:mod:`landscape._lib.activations`).

Modules (every public name is re-exported here: ``kernels.<name>``)
===================================================================

* :mod:`~landscape._lib.kernels.quadrature` -- ``c_sigma = 1 / E_{z~N(0,1)}[sigma(z)^2]``
  (below eq. (2)), 1-d Gaussian means (:func:`gaussian_mean`), the closed forms
  (:func:`closed_form`: ReLU / leaky ReLU arc-cosine kernels, the erf arcsine kernel, the
  trivial ``exp``, ``linear``, ``z^2``, ``z^3`` moments) and the bivariate expectations of
  Definitions 5.1 / 6.1 by tensor Gauss-Hermite or a polar rule (kinks at 0).
* :mod:`~landscape._lib.kernels.dual` -- the Hermite (Mehler) expansion and the dual
  activations ``E_{N(0, A_ij)}[sigma(u) sigma(v)]`` of eq. (7) for one pair or a whole
  kernel matrix (:func:`pair_expectation`, :func:`dual_matrix`), with error bounds.
* :mod:`~landscape._lib.kernels.analytic` -- :func:`analytic_gram`: ``K^(H)`` of Definition
  5.1 (FC) and Definition 6.1 (ResNet), with an entry error bound propagated through the
  recursion; the layer steps; the normalisation conventions and ``literal=True``.
* :mod:`~landscape._lib.kernels.polynomial` -- :func:`polynomial_kernel_degrees`: the
  exponents of ``K^(H)_ij = P(x_i . x_j)`` for ``z^p`` activations (rank certificates).
* :mod:`~landscape._lib.kernels.multiprecision` -- :func:`analytic_gram_mp`: the same
  recursion in multiple precision for the activations with closed-form moments (erf, relu,
  leaky relu, linear, z^2, z^3, exp), :func:`mp_lambda_min` on the precision ladder.
* :mod:`~landscape._lib.kernels.finite_width` -- :func:`empirical_gram`: ``G^(h)`` of
  section 4 for a finite network, by the per-layer identity
  ``G^(h) = (Delta^(h) Delta^(h)T) o (X^(h-1) X^(h-1)T)``;
  :func:`empirical_gram_jacrev` computes the same from ``torch.func.vmap(jacrev)``.
* :mod:`~landscape._lib.kernels.training` -- :func:`train_gd`: full-batch fixed-step
  gradient descent on the loss of eq. (1) (all layers and ``a`` trained, section 3.3;
  ``train_a=False`` freezes ``a``, as in the two-layer analysis of Golikov's essay, eq.
  (10)), in-place rank-``n`` updates, recording ``L(k)``, the distances of eq. (6) and
  ``G^(H)(k)``; :func:`rate_bound`.

Mapping to neural-tangents (``tests/test_du_independent.py``)
==============================================================

neural-tangents' ``stax.Dense(out, W_std, b_std=None)`` (NTK parameterisation) computes
``(W_std / sqrt(fan_in)) W x`` with ``W ~ N(0, 1)``.  Du et al.'s first pre-activation
``W^(1) x`` (no ``1/sqrt(d)``) is therefore ``Dense(W_std=sqrt(d))``; for ``h >= 2`` their
pre-activation ``W^(h) x^(h-1) = W^(h) sqrt(c_sigma/m) sigma(z^(h-1)) = sqrt(c_sigma)
(W^(h) sigma(z^(h-1)) / sqrt(m))`` is ``Dense(W_std=sqrt(c_sigma))`` applied to
``sigma(z^(h-1))``.  So ``sqrt(c_sigma)`` sits in the ``W_std`` of the Dense layer *after*
each activation -- the same as scaling sigma's output; a ``W_std`` on the layer *before*
sigma would scale its input, a different network.  With ``b_std=None``:
``K^(h) = nngp`` of ``[Dense(sqrt(d)), sigma, Dense(sqrt(c)), sigma, ..., Dense(sqrt(c))]``
with ``h`` activations (the pre-activation covariance of layer ``h + 1``), ``h <= H - 1``.
``K^(H) = c K^(H-1) o E[sigma' sigma']`` is the contribution of ``W^(H)`` alone to the NTK,
not an output of neural-tangents.
"""

from landscape._lib.gaussian import (GH_CHECK_DEGREE_1D, GH_DEGREE_1D, HALF_DEGREE, HALF_MAX_DEGREE,  # noqa: F401
                                     MAX_GH_DEGREE, RHO_SNAP, ClosedForm, QuadEstimate, erf_derivative_kernel,
                                     erf_kernel, gauss_hermite, leaky_relu_derivative_kernel, leaky_relu_kernel,
                                     relu_derivative_kernel, relu_kernel)
from landscape._lib.kernels.quadrature import (GH_DEGREE_2D, NpFn, activation_mean,  # noqa: F401
                                               bivariate_expectation, bivariate_expectation_polar, c_sigma,
                                               closed_form, gaussian_mean, resolve_fn, second_moment)
from landscape._lib.kernels.dual import (HERMITE_DEGREES, HERMITE_MAX_ORDER, HERMITE_TAIL_TARGET,  # noqa: F401
                                         HERMITE_TARGET, METHODS, Method, auto_method, check_kernel_matrix,
                                         check_method, dual_matrix, hermite_alpha, hermite_coefficients,
                                         pair_expectation)
from landscape._lib.kernels.analytic import (AnalyticGram, analytic_gram, analytic_gram_for,  # noqa: F401
                                             fc_layer_step, resnet_layer_step)
from landscape._lib.kernels.polynomial import polynomial_kernel_degrees  # noqa: F401
from landscape._lib.kernels.multiprecision import (MP_ACTIVATIONS, MP_LOST_DIGITS, analytic_gram_mp,  # noqa: F401
                                                   mp_closed_form, mp_eigenvalues, mp_lambda_min)
from landscape._lib.kernels.finite_width import (EmpiricalGram, empirical_b, empirical_gram,  # noqa: F401
                                                 empirical_gram_jacrev, empirical_layer_kernels)
from landscape._lib.kernels.training import DIVERGENCE_FACTOR, TrainHistory, rate_bound, train_gd  # noqa: F401

__all__ = [
    "AnalyticGram", "ClosedForm", "EmpiricalGram", "QuadEstimate", "TrainHistory", "METHODS",
    "analytic_gram", "analytic_gram_for", "analytic_gram_mp", "mp_eigenvalues", "mp_lambda_min", "MP_LOST_DIGITS", "MP_ACTIVATIONS", "polynomial_kernel_degrees", "bivariate_expectation", "bivariate_expectation_polar",
    "c_sigma", "closed_form", "dual_matrix", "empirical_b", "empirical_gram", "empirical_gram_jacrev",
    "empirical_layer_kernels", "erf_derivative_kernel", "erf_kernel", "fc_layer_step", "gauss_hermite",
    "gaussian_mean", "hermite_coefficients", "leaky_relu_derivative_kernel", "leaky_relu_kernel",
    "pair_expectation", "rate_bound", "relu_derivative_kernel", "relu_kernel", "resnet_layer_step",
    "second_moment", "train_gd",
]
