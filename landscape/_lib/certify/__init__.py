"""Local-minimum certificates for a loss given as a function of a flat parameter vector.

Input everywhere: ``loss(v: Tensor) -> Tensor`` (a scalar, float64, differentiable by
autograd; torch.func-transformable for the fast paths, with an autograd fallback) and a
point ``w`` (flat float64 tensor).  Definitions follow Li, Ding, Sun
(``004_c552a5c94484e66a.txt``): ``w`` is a *local minimum* if ``L(w) <= L(v)`` on a ball
around ``w``, *strict* if ``L(w) < L(v)`` for every ``v != w`` in it, *non-strict*
otherwise (their Definition 1 with the set ``{w}``).  Setwise notions (Definition 1 for
a compact plateau, Definition 2 "weakly global") are *not* decided here: a non-strict
certificate says the plateau exists, not whether it is the bottom of a basin.

Building blocks (each returns numbers *and* :class:`~landscape._lib.tolerance.Decision` s, so a
report can show margins):

* :func:`gradient_norm`, :func:`stationarity` -- stationarity;
* :func:`refine_stationary` -- L-BFGS (strong Wolfe, float64), then Newton steps with the
  exact Hessian (pseudo-inverse on the eigenvalues the policy calls non-zero);
* :func:`hessian_spectrum` -- exact Hessian (``torch.func.hessian``) up to
  ``exact_max_params`` parameters, otherwise Lanczos (ARPACK ``eigsh``) on Hessian-vector
  products (``torch.func.vjp`` of ``torch.func.grad``: the graph is built once and each
  product is one reverse pass);
* :func:`sample_radii`, :func:`ball_attack` -- random spheres and a projected-descent
  attack (unchanged; used by :mod:`landscape.claims.lds`), wrapped with decisions by
  :func:`neighbourhood_attack`;
* :func:`flat_probes` -- the Hessian's null directions (and caller-given directions or
  symmetry curves), verified by *evaluating the loss*: a flat direction is one along
  which a point at distance ``s`` with equal loss exists, for every probe radius ``s``;
* :func:`escape_test` -- perturb by ``delta`` in random directions, descend, record the
  loss along the path, say whether and where it drops below ``L(w)``;
* :func:`certify_minimum` -- all of the above, one :class:`MinimumCertificate`.

Numerical policy
================
Every decision goes through :mod:`landscape._lib.tolerance` (``classify`` / ``equal`` /
``at_most``); the relative quantities are:

* gradient: ``|g| / G`` with ``G = max(|L(w)| / R, Lambda * R, |g|)``, ``R = max(1, |w|)``,
  ``Lambda = max |eigenvalue of the Hessian|`` (the gradient a unit relative move would
  produce), unless the caller passes ``grad_scale``.  Zero means ``w`` is within about
  ``1e-10 R`` of a stationary point when the Hessian is well conditioned;
* eigenvalue: ``lambda / Lambda`` with its *residual* ``|H v - lambda v| / Lambda``: the
  interval ``|lambda| / Lambda +- residual`` must lie on one side of the band, otherwise
  the eigenvalue is ``band``;
* loss comparisons at distance ``d`` from ``w``: ``(L(w) - L(v)) / max(|L(w)|, |L(v)|,
  Lambda d^2 / 2)`` -- the loss change is measured against the change the stiffest
  direction would give at that distance, so a flat direction's rise and a normalised
  eigenvalue are on the same scale (``equal`` for flatness, ``at_most`` for lower
  points).

How ``kind`` is decided (smooth losses: ``smooth=True``, the default)
=====================================================================
1. ``not-stationary``: the gradient decision is ``nonzero``.
2. ``inconclusive``: the gradient decision is in the band.
3. Gradient ``zero``; Hessian smallest eigenvalue decided ``negative`` (``nonzero`` below
   zero, residual included): ``saddle`` (second-order necessary condition fails; a proof
   for a C^2 loss).
4. Hessian positive definite (smallest eigenvalue ``positive`` ``nonzero``): ``strict``
   (second-order sufficient condition; a proof for a C^2 loss).  A lower point found by the
   attack or the escape test within ``local_radius`` does not overturn it: it bounds the
   basin radius and is reported in ``notes``.
5. Hessian PSD with zero (or band) eigenvalues -- the second-order test is silent:

   a. a point with clearly lower loss (``at_most`` ``nonzero``) within ``local_radius``,
      from the sphere samples, the ball attack, a flat probe or an escape path:
      ``saddle`` (evidence: that source; higher-order descent);
   b. else, some flat probe (a Hessian null direction, a caller direction or a symmetry
      curve) has a point of *equal* loss (``equal`` ``zero``), distinct from ``w``, at
      distance ``<= 2 s`` from it for every probe radius ``s`` (and no lower-point
      decision is in the band): ``non-strict``;
   c. otherwise ``inconclusive`` (e.g. ``x^4``: only higher-order terms decide).
6. Hessian unavailable (ARPACK did not converge) or its smallest eigenvalue in the band:
   rules 5a and 5b still apply (lower point -> ``saddle``; flat witness -> ``non-strict``),
   otherwise ``inconclusive``.

Non-smooth losses (``smooth=False``: ReLU, leaky ReLU, hinge, absolute loss, ...)
================================================================================
The Hessian autograd returns is only defined almost everywhere (off the kinks) and the
gradient at a kink is one element of a generalised gradient, so neither proves anything
at a kink.  Both are still computed and reported (the Hessian's null directions seed the
flat probes), but the kind relies on the attack:

* a lower point within ``local_radius`` -> ``not-stationary`` if the gradient decision
  is ``nonzero``, else ``saddle``;
* else a flat witness (5b) -> ``non-strict``;
* else ``inconclusive`` -- strictness is never certified without a Hessian proof (random
  spheres cannot see a measure-zero flat direction).

A caller who has checked that no pre-activation sits on a kink at ``w`` (the loss is
then C^2 near ``w``) may pass ``smooth=True``.

What is and is not proved
-------------------------
``strict`` and ``saddle`` from the Hessian are proofs for C^2 losses up to the float64
decisions (margins recorded).  ``non-strict`` is evidence: equal-loss points exist at
every probe radius *and* the attack found no lower point; a degenerate saddle whose
descent the attack misses would be mislabelled.  ``saddle`` from 5a is a lower point
within ``local_radius``, not a proof that no smaller neighbourhood is a basin.
Lanczos counts only cover the computed extreme eigenvalues (``complete=False``), and
Lanczos from one start vector can misjudge multiplicities.  A flat rise ``c s^4`` with
``c / Lambda < 1e-10 / s^2`` at the largest probe radius is invisible (resolution limit).
Float64 saturation makes plateaus that mathematics does not have: ``tanh(z) == +-1`` and
``sigmoid(-z) == 0`` exactly for large ``|z|``, so a unit with huge weights is exactly flat
in float64 and the flat probe certifies ``non-strict`` (e.g. L-BFGS runs that drift to
infinity in a small tanh MLP); the exact plateau of Li-Ding-Sun Proposition 1 looks the
same.  Callers that care must bound the pre-activations (or weights) at ``w``: the suite's
one rule for that is :func:`saturation` below (used by :mod:`landscape._lib.search`,
:mod:`landscape.claims.jiang` and the ``stationary`` property of :mod:`landscape._lib.fixtures`).

Saturation: the one rule
========================
A hidden unit of a network with a *saturating* activation (:data:`SATURATING_TAILS`: a tail
on which ``sigma`` flattens) is **saturated** when its pre-activation lies beyond the
activation's threshold :func:`saturation_threshold` on a flat tail (either one, for tanh and
sigmoid) at *every* sample.  The
threshold is where the policy loses the unit: the smallest ``Z >= 1`` with
``|sigma'(z)| <= ZERO * D`` for every ``z`` beyond ``Z`` on the tail, ``D = max_{|u| <= 1}
|sigma'(u)|`` the derivative's scale at unit pre-activation (tanh 12.2, sigmoid 24.4,
softplus -23.3, negsq_exp -29.6, cubic_exp -32.1 for ``ZERO = 1e-10``).  The unit's
incoming weights then have gradient *and* Hessian rows below the policy's zero whatever the
residual, and growing them lowers the loss by less than round-off: a zero gradient there
is not evidence of a stationary point, and its Hessian null directions are float64's (the
signature of a drift towards infinity, e.g. towards a step function).  A point with a
saturated unit and a positive loss is therefore *not a finite stationary point the policy
can certify*: callers exclude it (and count it), never call it stationary.  (At zero loss the
residual vanishes and the gradient is exactly zero, saturated or not.)  A unit beyond the
threshold at *some* samples only is not saturated: the others decide its weights, as for a
ReLU unit dead at some samples.

Modules
=======
* :mod:`~landscape._lib.certify.base` -- the loss type, kinds, the flat point, value / gradient;
* :mod:`~landscape._lib.certify.decisions` -- gradient norm and scale, stationarity, loss-scale,
  lower / equal and eigenvalue decisions;
* :mod:`~landscape._lib.certify.saturated_units` -- the saturation rule above;
* :mod:`~landscape._lib.certify.hessian` -- exact Hessian, Hessian-vector products, spectrum;
* :mod:`~landscape._lib.certify.refine` -- :func:`refine_stationary`;
* :mod:`~landscape._lib.certify.probes` -- sphere samples, ball attacks, flat probes;
* :mod:`~landscape._lib.certify.escape` -- the escape test;
* :mod:`~landscape._lib.certify.certificate` -- :class:`MinimumCertificate`, :func:`certify_minimum`.
"""

from landscape._lib.certify.base import KINDS, Kind, LossFn, Symmetry, flat64, scale_radius, value, value_and_grad
from landscape._lib.certify.certificate import MinimumCertificate, certify_minimum
from landscape._lib.certify.critical import (
    CRITICAL_LADDER,
    PROOF_LEVELS,
    CriticalCertificate,
    certify_critical,
    weakest,
)
from landscape._lib.certify.mpform import LossForm, attach, form_of
from landscape._lib.certify.decisions import (
    eig_decision,
    equal_decision,
    gradient_norm,
    gradient_scale,
    loss_scale,
    lower_decision,
    stationarity,
)
from landscape._lib.certify.escape import EscapeRun, escape_test
from landscape._lib.certify.hessian import (
    HessianSpectrum,
    exact_hessian,
    hessian_spectrum,
    hvp_function,
    largest_abs_eigenvalue,
)
from landscape._lib.certify.probes import (
    AttackResult,
    BallAttack,
    FlatProbe,
    ProbeResult,
    RadiusProbe,
    ball_attack,
    flat_probes,
    neighbourhood_attack,
    sample_radii,
)
from landscape._lib.certify.refine import StationaryPoint, refine_stationary
from landscape._lib.certify.saturated_units import (
    SATURATING_TAILS,
    Saturation,
    max_preactivation,
    saturation,
    saturation_threshold,
)
__all__ = [
    "CRITICAL_LADDER", "PROOF_LEVELS", "CriticalCertificate", "LossForm", "attach", "certify_critical", "form_of",
    "weakest", "KINDS", "SATURATING_TAILS", "AttackResult", "BallAttack", "EscapeRun", "FlatProbe", "HessianSpectrum", "Kind",
    "LossFn", "MinimumCertificate", "ProbeResult", "RadiusProbe", "Saturation", "StationaryPoint", "Symmetry",
    "ball_attack", "certify_minimum", "eig_decision", "equal_decision", "escape_test", "exact_hessian", "flat64",
    "flat_probes", "gradient_norm", "gradient_scale", "hessian_spectrum", "hvp_function", "largest_abs_eigenvalue",
    "loss_scale", "lower_decision", "max_preactivation", "neighbourhood_attack", "refine_stationary", "sample_radii",
    "saturation", "saturation_threshold", "scale_radius", "stationarity", "value", "value_and_grad",
]
