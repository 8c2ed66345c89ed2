"""The numerics a claim author uses, in one public module.

Everything here is re-exported from the private library ``landscape._lib`` and is public
API (documented, type-hinted, kept stable); the rest of ``landscape._lib`` may change.

Decisions with margins -- the one tolerance policy (README, "Numerics")
    :func:`classify`, :func:`equal`, :func:`at_most`, :func:`rank`, :func:`psd`,
    :func:`eigenvalue_with_bound` return a :class:`Decision` (``zero`` / ``nonzero`` /
    ``band``, with its margin in decades and the precision that decided); :data:`ZERO`,
    :data:`BAND` and :data:`HP_LADDER` are the policy's constants.
Networks with their losses
    :class:`MLPSpec` / :class:`MLP` (Li-Ding-Sun eq. (1)-(4)) and :func:`mlp_squared_loss`
    (``w -> sum_i (f(x_i) - y_i)^2`` on the flat weights, eq. (5)), :class:`DeepLinear` (with
    ``loss_fn``: ``1/2 ||Y - W_H..W_1 X||_F^2``), the registries :func:`activation` /
    :func:`loss`.
Training to stationarity
    :func:`gradient_descent`, :func:`lbfgs`, :func:`minimise` (scipy L-BFGS-B),
    :func:`newton_polish`, :func:`refine_stationary`; every run is a :class:`Run` with its
    loss history.
Many starts at once
    :func:`multistart` (batched Adam over all starts with ``torch.func.vmap``, then polish and
    certificate of the endpoints that are not global; the distinct endpoints with their basin
    statistics: a :class:`MultistartResult` of :class:`Endpoint`), :func:`module_loss` (an
    ``nn.Module``'s loss as a function of its flat weights, ``torch.func.functional_call``),
    :func:`fraction_interval` (the sampling error of a basin fraction).
Certified critical points and local minima
    :func:`certify_critical` (is there a *true* critical point here? ``critical`` /
    ``not-critical`` / ``band``, with its :data:`PROOF_LEVELS` level -- ``exact``, ``interval``
    (ball arithmetic: Krawczyk existence box, inertia over the box, exclusion boxes),
    ``multiprecision`` (the ladder at :data:`CRITICAL_LADDER` digits), ``float64`` -- the refined
    point, the radius, the inertia and a loss enclosure: a :class:`CriticalCertificate`);
    :func:`certify_minimum` (strict / non-strict / saddle / not stationary / inconclusive, with
    the evidence that decided and the proof level it rests on: a :class:`MinimumCertificate`),
    :func:`hessian_spectrum` (a :class:`HessianSpectrum`), :func:`exact_hessian`,
    :func:`gradient_norm`, :func:`gradient_scale` (the default ``G``), :func:`stationarity` (a
    float64 decision only: "stationary" is not "critical").  A loss's multiple-precision form is a
    function ``fn(w, ops)`` written with ``ops.exp``, ``ops.sigmoid``, ``ops.activation(name)``, ...
    (:class:`LossForm`, :class:`Ops`); the library's losses carry theirs (attribute ``mp``), a
    user's own loss passes one as ``loss_mp=``.
Linear networks in closed form
    :func:`reduced_rank_optimum` (the global minimum) and :func:`subset_critical_point`
    (every critical point, Golikov's essay section 2.1.1).
Ranks of feature matrices
    :func:`feature_rank_outcome` (Li-Ding-Sun Lemma 3's decider: rank of the last hidden
    layer's outputs at the data for Gaussian weights, decided in multiple precision when
    float64 cannot) and :func:`replay_feature_rank` (its counterexamples' replay).
"""

from landscape._lib.activations import get as activation
from landscape._lib.feature_rank import lemma3_outcome as feature_rank_outcome
from landscape._lib.feature_rank import replay_lemma3 as replay_feature_rank
from landscape._lib.networks.mlp import squared_loss as mlp_squared_loss
from landscape._lib.certify import (
    CRITICAL_LADDER,
    PROOF_LEVELS,
    CriticalCertificate,
    HessianSpectrum,
    LossForm,
    MinimumCertificate,
    certify_critical,
    certify_minimum,
    exact_hessian,
    gradient_norm,
    gradient_scale,
    hessian_spectrum,
    refine_stationary,
    stationarity,
)
from landscape._lib.certify.balls import Ops
from landscape._lib.linear_nets import DeepLinear, reduced_rank_optimum, subset_critical_point
from landscape._lib.losses import get as loss
from landscape._lib.networks.mlp import MLP, MLPSpec
from landscape._lib.tolerance import (
    BAND,
    HP_LADDER,
    ZERO,
    Decision,
    at_most,
    classify,
    eigenvalue_with_bound,
    equal,
    psd,
    rank,
)
from landscape._lib.train import Run, gradient_descent, lbfgs, minimise, newton_polish
from landscape._lib.multistart import Endpoint, MultistartResult, fraction_interval, module_loss, multistart

__all__ = ["BAND", "CRITICAL_LADDER", "CriticalCertificate", "DeepLinear", "Decision", "Endpoint", "HP_LADDER",
           "HessianSpectrum", "LossForm", "MLP", "MLPSpec", "MinimumCertificate", "MultistartResult", "Ops", "PROOF_LEVELS", "Run", "ZERO",
           "activation", "at_most", "certify_critical", "certify_minimum", "gradient_scale", "classify", "eigenvalue_with_bound", "equal", "exact_hessian", "feature_rank_outcome",
           "gradient_descent", "gradient_norm", "hessian_spectrum", "lbfgs", "loss", "minimise", "newton_polish",
           "fraction_interval", "module_loss", "multistart", "mlp_squared_loss", "psd", "rank", "reduced_rank_optimum", "refine_stationary", "replay_feature_rank",
           "stationarity", "subset_critical_point"]
