"""Claims of E. Golikov, *An Essay on Optimization Mystery of Deep Learning* (2019;
``../shared/papers/003_6b1d70a06ebc74fd.txt``).

Sections and equations (the essay's numbering):

* 2.1.1, eq. (3)-(4): deep linear nets, Lu & Kawaguchi's "every local minimum is global"
  (``golikov.linear.no_bad_minima``; machinery in :mod:`landscape._lib.linear_nets`).
* 2.1.2, eq. (7): Yu & Chen's wide shallow sigmoid net, the rank statement
  ``rk sigma(W_1 X) = m`` for almost all ``W_1`` (``golikov.yu_chen.rank`` and ``.relu``).
  Eq. (7) has no bias.
* 2.1.2, eq. (8) and the four conditions of Nguyen & Hein's Corollary 3.9
  (``golikov.nguyen_hein``).  Eq. (8) has no bias and no factor 1/2.
* 2.2, eq. (9)-(13): Du et al. (2019)'s two-layer ReLU net ``f = (1/sqrt m) sum_r a_r
  [w_r.x]_+`` with ``a_r`` uniform in {-1, 1} and fixed, ``W`` trained on
  ``L(W) = 1/2 sum_i (f(x_i) - y_i)^2`` (eq. (10)); ``H(t)`` of eq. (12), ``H^inf`` its
  expectation, ``lambda_0 = lambda_min(H^inf)`` (``golikov.du2019.*``); the gradient bound
  and the Hessian formula of the section's remark on convergence rate.

Shared machinery (:mod:`landscape._lib.networks.two_layer`): the net of eq. (9) is
Du-Lee-Li-Wang-Zhai's FC network with ``H = 1``, relu and layer scale ``sqrt(1/m)``
(:func:`two_layer_arch`: ``DuArchitecture(..., c_sigma_override=1)``) with ``a_r in {-1, 1}``
fixed; ``H(W)`` of eq. (12) is its ``G^(1)`` (:func:`kernels.empirical_gram`), ``H^inf`` its
analytic limit (:func:`kernels.analytic_gram`, ``c_sigma = 1``), and GD on eq. (10) is
:func:`kernels.train_gd` with ``train_a=False``.  Weights drawn next to data built from the
same seed come from an independent stream (:func:`independent_rng`).

Normalisation of ``H^inf`` (checked, not assumed): ``du_i/dw_r = a_r x_i [w_r.x_i >= 0] /
sqrt m``, so ``sum_r <du_i/dw_r, du_j/dw_r> = (1/m) x_i.x_j sum_r [..][..]`` is exactly
eq. (12) (``a_r^2 = 1``); ``H^inf_ij = x_i.x_j P(w.x_i >= 0, w.x_j >= 0) = x_i.x_j (pi -
arccos rho_ij) / (2 pi)``, ``rho_ij = x_i.x_j / (|x_i| |x_j|)`` -- for unit-norm data the
formula of the brief, with no extra factor.  It is ``landscape._lib.kernels``'
``K^(0) o E[relu'(u) relu'(v)]`` (Du-Lee-Li-Wang-Zhai's ``K^(1)`` divided by
``c_sigma = 2``).

Widths: the theorems need ``m = Omega(n^6 / (lambda_0^4 delta^3))`` -- 10^10 to 10^13 for
the data used here.  The ``lambda_min`` and ``decay`` claims are decided both ways on the
trend over the widths this machine affords (16 ... 16384), with the rule of
``du.thm5_1.linear_rate`` (:func:`trend.width_trend`): supported if every run at the
largest width stays within the bound at every step, refuted if at least half of them
violate it and no fewer than at the smallest width.

Findings recorded in the expectations (``why=``): ``golikov.yu_chen.rank`` is refuted in the
essay's bias-free setting (data ``{x, -x, 0}``: ``sigmoid(z) + sigmoid(-z) = 1``), and the
fixture ``golikov.yu_chen.symmetric`` is a positive-loss global minimum of eq. (7) with
``d_1 = m``; the same data refute Lemma 4.4 as the essay states it
(``golikov.nguyen_hein.lemma4_4``, k = 1), and ``golikov.nguyen_hein`` attacks the
corollary on them; antipodal inputs on the sphere make ``lambda_0 = 0`` only in specific
configurations (``golikov.du2019.h_inf.parallel``), scaled inputs off the sphere whenever
``x_j = c x_i``, ``c > 0`` (``.scaled``).  Remarks (notes, not verdicts): the essay's Hessian
formula prints ``x_j^2`` for ``x_j x_j^T``; PSD almost everywhere does not make ``L``
convex (Jensen violations are counted).

Modules, in the order their claims register:

* :mod:`.h_inf` -- ``golikov.du2019.h_inf`` (H^inf positive definite; Hoeffding check, Monte Carlo
  slope, independent checks);
* :mod:`.h_inf_parallel` -- ``golikov.du2019.h_inf.parallel`` / ``.scaled`` / ``.duplicated``;
* :mod:`.du_trends` -- ``golikov.du2019.lambda_min`` and ``.decay`` (training runs over widths);
* :mod:`.small_m` -- ``golikov.du2019.lambda_min.small_m`` and ``.decay.small_m``;
* :mod:`.hessian` -- ``golikov.du2019.hessian_psd`` and ``.smooth``;
* :mod:`.grad_bound` -- ``golikov.du2019.grad_bound``;
* :mod:`.linear` -- ``golikov.linear.no_bad_minima`` and the fixtures ``golikov.linear.critical``;
* :mod:`.yu_chen` -- ``golikov.yu_chen.rank`` / ``.relu`` and the fixture ``golikov.yu_chen.symmetric``;
* :mod:`.nguyen_hein` -- ``golikov.nguyen_hein`` and ``golikov.nguyen_hein.lemma4_4``;
* :mod:`._common` -- ``PAPER``, the training runs' data shape, the two-layer payload validator.
"""

from landscape.claims.golikov import h_inf, h_inf_parallel, du_trends, small_m, hessian  # noqa: F401, I001 - order
from landscape.claims.golikov import grad_bound, linear, yu_chen, nguyen_hein  # noqa: F401, I001 - of registration
from landscape.claims.golikov._common import PAPER

__all__ = ["PAPER", "du_trends", "grad_bound", "h_inf", "h_inf_parallel", "hessian", "linear", "nguyen_hein",
           "small_m", "yu_chen"]
