"""The one training module (landscape/_lib/train.py): every path reproduces the optimiser it replaces bit for bit.

The reference functions below are verbatim copies of the four gradient-descent loops the trainer
replaced: Jiang Theorem 2's fixed-step GD (``ref_jiang_descend``), the escape test's Armijo GD /
strong-Wolfe L-BFGS (``ref_certify_descend``), the former ``train.gradient_descent`` /
``train.newton_polish``, and Du et al.'s analytic back-propagation ``kernels.train_gd``
(``ref_train_gd``).  Comparisons are on the bytes of every iterate (``nan`` included).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from landscape._lib import kernels as kz
from landscape._lib import tolerance
from landscape._lib import train
from landscape._lib.networks.du import DuArchitecture, DuParams, as_data, as_labels, sphere_data
from landscape._lib.networks.mlp import MLP, MLPSpec, squared_loss


# ----------------------------------------------------------------------------- references
def _value(loss, v):
    with torch.no_grad():
        return float(loss(v))


def _value_and_grad(loss, v):
    v = v.detach().clone().requires_grad_(True)
    val = loss(v)
    (g,) = torch.autograd.grad(val, v)
    return float(val.detach()), g.detach()


def ref_jiang_descend(lossf, w0, lr, steps):
    """landscape/claims/jiang.py ``_descend`` (verbatim)."""
    w = w0.detach().clone()
    ws, losses, gn = [], [], []
    for k in range(steps + 1):
        val, g = train.value_and_grad(lossf, w)
        if not (math.isfinite(val) and bool(torch.isfinite(g).all())):
            break  # diverged: the caller sees fewer iterates than losses would need
        ws.append(w)
        losses.append(val)
        gn.append(float(g.norm()))
        if k == steps or val <= 1e-2 * tolerance.ZERO * losses[0]:
            break
        w = w - lr * g
    return ws, losses, gn


def ref_certify_descend(loss, v0, steps, method, lam_abs):
    """landscape/_lib/certify.py ``_descend`` (verbatim)."""
    pts = [v0.detach().clone()]
    if method == "lbfgs":
        p = v0.detach().clone().requires_grad_(True)
        opt = torch.optim.LBFGS([p], lr=1.0, max_iter=1, max_eval=26, tolerance_grad=0.0, tolerance_change=0.0,
                                history_size=20, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            val = loss(p)
            val.backward()
            return val

        for _ in range(steps):
            opt.step(closure)
            pts.append(p.detach().clone())
            if not torch.isfinite(p).all() or not math.isfinite(_value(loss, pts[-1])):
                break  # diverged (unbounded loss): the path ends here
        return pts
    if method != "gd":
        raise ValueError(f"escape method {method!r} is unknown; expected 'lbfgs' or 'gd'")
    v = v0.detach().clone()
    lr_max = 1.0 / lam_abs if lam_abs > 0 else 1.0
    lr = lr_max
    val, g = _value_and_grad(loss, v)
    for _ in range(steps):
        gg = float(g @ g)
        if gg == 0.0:
            pts.append(v.clone())
            continue
        for _ in range(60):  # Armijo backtracking
            cand = v - lr * g
            cval = _value(loss, cand)
            if math.isfinite(cval) and cval <= val - 0.5 * lr * gg:
                break
            lr *= 0.5
        else:
            pts.append(v.clone())
            continue
        v = cand
        val, g = _value_and_grad(loss, v)
        lr = min(2.0 * lr, lr_max)
        pts.append(v.clone())
        if not math.isfinite(val):
            break
    return pts


def ref_gradient_descent(loss, w0, *, lr, steps, stride=10, probe=None):
    """The former ``train.gradient_descent`` (verbatim)."""
    w = w0.detach().clone()
    run = train.Run(w, [], [], [])
    for k in range(steps + 1):
        val, g = train.value_and_grad(loss, w)
        if k % stride == 0 or k == steps:
            run.losses.append(val)
            run.grad_norms.append(float(g.norm()))
            run.steps.append(k)
            if probe is not None:
                run.probes.append(probe(w))
        if k < steps:
            w = w - lr * g
    run.w = w
    return run


def ref_newton_polish(loss, w, *, steps=20):
    """The former ``train.newton_polish`` (verbatim)."""
    from torch.func import hessian

    w = w.detach().clone()
    _, g = train.value_and_grad(loss, w)
    for _ in range(steps):
        h = hessian(loss)(w).detach()
        # the solve as it is now (numpy gelsd; it was torch.linalg.lstsq, not reproducible bit for bit)
        step = torch.from_numpy(np.linalg.lstsq(h.numpy(), g.unsqueeze(1).numpy(), rcond=1e-12)[0][:, 0])
        w_new = w - step
        _, g_new = train.value_and_grad(loss, w_new)
        if not torch.isfinite(g_new).all() or g_new.norm() >= g.norm():
            break
        w, g = w_new, g_new
    return w


# ----------------------------------------------------------------------------- the replacements
def jiang_descend(lossf, w0, lr, steps):
    """The call Theorem 2 makes (``landscape/claims/jiang/thm2.py``)."""
    run = train.descend(lossf, w0, rule=train.Fixed(lr), steps=steps, stop=train.loss_below(1e-2 * tolerance.ZERO),
                        keep_iterates=True)
    return run.iterates, run.losses, run.grad_norms


def certify_descend(loss, v0, steps, method, lam_abs):
    """The escape test's descent (``certify._descend``), as written there."""
    if method == "lbfgs":
        rule = train.LBFGS()
    elif method == "gd":
        rule = train.Armijo.for_curvature(lam_abs)
    else:
        raise ValueError(f"escape method {method!r} is unknown; expected 'lbfgs' or 'gd'")
    return train.descend(loss, v0, rule=rule, steps=steps, stride=None, keep_iterates=True).path()


def ref_train_gd(arch, params, X, y, *, eta, steps, gram_every=1, dist_every=1, train_a=True):
    """The body ``kernels.train_gd`` had before it ran on :func:`train.iterate` (after its argument checks)."""
    eta = float(eta)
    x = as_data(X, d=arch.d)
    yt = as_labels(y, x.shape[0])
    p0 = arch.check_params(params).clone()
    W = [w.clone() for w in p0.W]
    a = p0.a.clone()
    sqm = math.sqrt(arch.m)
    losses, residuals, dists, dist_a, dsteps, gsteps, grams = [], [], [], [], [], [], []
    diverged = False
    blowup: tuple[int, float] | None = None
    blowup_gram: np.ndarray | None = None
    last_update: list | None = None  # (rank-n factors per layer, a-gradient) of the last step, to undo it
    k = 0
    while True:
        cur = DuParams(tuple(W), a)
        fwd = arch.forward_unchecked(cur, x)
        r = fwd.u - yt
        L = 0.5 * float(r @ r)
        if not math.isfinite(L) or (losses and L > kz.DIVERGENCE_FACTOR * max(losses[0], 1e-300)):
            diverged = True
            blowup = (k, L)
            if all(bool(torch.isfinite(t).all()) for t in fwd.layers):
                D, A = arch.backward(cur, fwd)[-1], fwd.layers[-2]
                blowup_gram = ((D @ D.T) * (A @ A.T)).numpy()
            if last_update is not None:  # restore the last finite iterate
                for w, (Dr, A) in zip(W, last_update[0]):
                    w.addmm_(Dr.T, A, alpha=eta)
                if last_update[1] is not None:
                    a.add_(last_update[1], alpha=eta)
            break
        losses.append(L)
        residuals.append((-r).numpy().copy())
        final = k == steps
        if (dist_every is not None and k % dist_every == 0) or k == 0 or final:
            dsteps.append(k)
            dists.append([float((w - w0).norm()) / sqm for w, w0 in zip(W, p0.W)])
            dist_a.append(float((a - p0.a).norm()))
        deltas = arch.backward(cur, fwd)
        if (gram_every is not None and k % gram_every == 0) or k == 0 or final:
            D, A = deltas[-1], fwd.layers[-2]
            gsteps.append(k)
            grams.append(((D @ D.T) * (A @ A.T)).numpy())
        if final:
            break
        factors = [(D * r[:, None], A) for D, A in zip(deltas, fwd.layers[:-1])]
        ga = fwd.layers[-1].T @ r if train_a else None
        for w, (Dr, A) in zip(W, factors):
            w.addmm_(Dr.T, A, alpha=-eta)
        if ga is not None:
            a.add_(ga, alpha=-eta)
        last_update = [factors, ga]
        k += 1
    if diverged and dsteps and dsteps[-1] != len(losses) - 1:  # distances at the last finite iterate
        dsteps.append(len(losses) - 1)
        dists.append([float((w - w0).norm()) / sqm for w, w0 in zip(W, p0.W)])
        dist_a.append(float((a - p0.a).norm()))
    done = len(losses) - 1
    return kz.TrainHistory(eta, np.array(losses), np.array(residuals), np.array(dists).reshape(-1, arch.H),
                        np.array(dist_a), gsteps, grams, DuParams(tuple(W), a).clone(), diverged, max(done, 0),
                        dsteps, steps_planned=int(steps), blowup_step=None if blowup is None else blowup[0],
                        blowup_loss=None if blowup is None else blowup[1], blowup_gram=blowup_gram)


# ----------------------------------------------------------------------------- helpers and cases
def same(a, b) -> bool:
    """Bitwise equality of tensors / arrays / floats / lists of them (``nan`` equal to the same ``nan``)."""
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(same(u, v) for u, v in zip(a, b))
    if torch.is_tensor(a):
        return (torch.is_tensor(b) and a.dtype == b.dtype and a.shape == b.shape
                and (torch.equal(a, b) or a.numpy().tobytes() == b.numpy().tobytes()))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, float) or isinstance(b, float):
        return np.float64(a).tobytes() == np.float64(b).tobytes()
    return a == b


A = torch.tensor([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]], dtype=torch.float64)
W_STAR = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
LAM_MAX = float(torch.linalg.eigvalsh(A)[-1])


def quadratic(w):
    """0.5 (w - w*)^T A (w - w*): minimiser w*, curvature at most LAM_MAX."""
    d = w - W_STAR
    return 0.5 * d @ (A @ d)


def mlp_case(seed: int = 0, activation: str = "sigmoid"):
    spec = MLPSpec(d0=2, widths=(3,), d_out=1, activation=activation)
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(2, 5)), rng.normal(size=(1, 5))
    return squared_loss(spec, x, y), MLP.random(spec, rng).flat()


def unbounded(w):
    """-sum exp(w): unbounded below, overflows to -inf (L-BFGS runs away)."""
    return -torch.exp(w).sum()


def nan_with_grad(w):
    """The quadratic, but nan where autograd is on and w[0] > 0 (a value-only search accepts; the gradient pass diverges)."""
    q = quadratic(w)
    return q * math.nan if (w.requires_grad and float(w[0].detach()) > 0.0) else q


def nan_everywhere(w):
    return quadratic(w) * math.nan


Z3 = torch.zeros(3, dtype=torch.float64)
CASES = {
    "quadratic": (quadratic, Z3),
    "mlp_sigmoid": mlp_case(0, "sigmoid"),
    "mlp_tanh": mlp_case(3, "tanh"),
    "mlp_relu": mlp_case(5, "relu"),
}


# ----------------------------------------------------------------------------- jiang._descend
@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("lr", [1e-3, 0.1, 0.3])
def test_fixed_reproduces_jiang_descend(name, lr):
    loss, w0 = CASES[name]
    ref, new = ref_jiang_descend(loss, w0, lr, 60), jiang_descend(loss, w0, lr, 60)
    assert same(list(new), list(ref))


def test_fixed_reproduces_jiang_descend_early_stop_and_divergence():
    # early stop: lr = 1/2 on 0.5 * 2 |w - w*|^2 lands on w* exactly (loss 0 <= 1e-12 Q(w0))
    iso = lambda w: ((w - W_STAR) ** 2).sum()  # noqa: E731
    ref, new = ref_jiang_descend(iso, Z3, 0.5, 50), jiang_descend(iso, Z3, 0.5, 50)
    assert same(list(new), list(ref)) and len(ref[0]) == 2 and ref[1][-1] == 0.0
    # divergence: lr far above 2 / Lambda overflows; the non-finite iterate is dropped
    ref, new = ref_jiang_descend(quadratic, Z3, 1e3, 400), jiang_descend(quadratic, Z3, 1e3, 400)
    assert same(list(new), list(ref)) and len(ref[0]) < 401
    # a non-finite start: nothing at all
    ref, new = ref_jiang_descend(nan_everywhere, Z3, 0.1, 5), jiang_descend(nan_everywhere, Z3, 0.1, 5)
    assert same(list(new), list(ref)) and ref == ([], [], [])


# ----------------------------------------------------------------------------- certify._descend
@pytest.mark.parametrize("method", ["gd", "lbfgs"])
@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("lam_abs", [0.0, 0.5, LAM_MAX, 50.0])
def test_rules_reproduce_certify_descend(method, name, lam_abs):
    loss, w0 = CASES[name]
    w0 = w0 + 0.3  # away from any special point
    assert same(certify_descend(loss, w0, 40, method, lam_abs), ref_certify_descend(loss, w0, 40, method, lam_abs))


@pytest.mark.parametrize("method", ["gd", "lbfgs"])
@pytest.mark.parametrize("case", ["minimiser", "unbounded", "nan_with_grad", "nan_everywhere"])
def test_rules_reproduce_certify_descend_edge_cases(method, case):
    loss, w0 = {"minimiser": (quadratic, W_STAR.clone()), "unbounded": (unbounded, Z3 + 1.0),
                "nan_with_grad": (nan_with_grad, Z3 - 1.0), "nan_everywhere": (nan_everywhere, Z3)}[case]
    ref, new = ref_certify_descend(loss, w0, 30, method, 1.0), certify_descend(loss, w0, 30, method, 1.0)
    assert same(new, ref)


def test_certify_edge_cases_take_the_branches_they_are_meant_to():
    """The edge cases above reach g = 0, a failed line search, a rejected accepted point, and L-BFGS divergence."""
    z = train.descend(quadratic, W_STAR.clone(), rule=train.Armijo(1.0), steps=3)
    assert not z.final.moved and not z.diverged
    f = train.descend(nan_everywhere, Z3, rule=train.Armijo(1.0), steps=3)
    assert not f.final.moved and not f.diverged and f.final.lr == 0.5 ** 60 * 0.5 ** 60 * 0.5 ** 60
    d = train.descend(nan_with_grad, Z3 - 1.0, rule=train.Armijo(1.0), steps=30)
    assert d.diverged and math.isnan(d.blowup.loss)
    u = train.descend(unbounded, Z3 + 1.0, rule=train.LBFGS(), steps=30)
    assert u.diverged and len(u.path()) < 31


def test_certify_unknown_method():
    with pytest.raises(ValueError):
        certify_descend(quadratic, Z3, 3, "adam", 1.0)


# ----------------------------------------------------------------------------- kernels.train_gd
DU_CASES = {
    "fc_softplus": (DuArchitecture(d=4, m=32, H=2, activation="softplus"), 0, 8, None, dict(gram_every=5)),
    "resnet_tanh_frozen_a": (DuArchitecture(d=3, m=16, H=2, activation="tanh", kind="resnet", c_res=0.7), 2, 4, 0.05,
                             dict(gram_every=None, dist_every=2, train_a=False)),
    "diverges": (DuArchitecture(d=4, m=32, H=2, activation="softplus"), 0, 8, 1e3, dict(gram_every=None)),
    "blows_up_at_once": (DuArchitecture(d=4, m=16, H=2, activation="tanh"), 0, 4, 1e7, dict(gram_every=None)),
    "relu_dist_none": (DuArchitecture(d=4, m=16, H=1, activation="relu"), 1, 6, 0.1, dict(dist_every=None)),
}


@pytest.mark.parametrize("name", sorted(DU_CASES))
def test_kernels_train_gd_on_the_trainer_is_unchanged(name):
    arch, seed, n, eta, kw = DU_CASES[name]
    X, y = sphere_data(n, arch.d, 1), torch.linspace(-1, 1, n, dtype=torch.float64)
    p = arch.init(seed)
    if eta is None:
        eta = 1.0 / float(np.linalg.eigvalsh(kz.empirical_gram(arch, p, X).total)[-1])
    ref = ref_train_gd(arch, p, X, y, eta=eta, steps=30, **kw)
    new = kz.train_gd(arch, p, X, y, eta=eta, steps=30, **kw)
    for f in ("eta", "loss", "residual", "dist", "dist_a", "gram_steps", "grams", "diverged", "steps_done",
              "dist_steps", "steps_planned", "blowup_step", "blowup_loss"):
        assert same(getattr(new, f), getattr(ref, f)), f
    assert (new.blowup_gram is None) == (ref.blowup_gram is None)
    assert new.blowup_gram is None or same(new.blowup_gram, ref.blowup_gram)
    assert same(list(new.params.tensors()), list(ref.params.tensors()))
    if name.startswith("diverges") or name.startswith("blows"):
        assert ref.diverged


# ----------------------------------------------------------------------------- legacy front-ends
@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_descent_is_unchanged(name):
    loss, w0 = CASES[name]
    for lr, steps, stride in ((1e-2, 37, 10), (0.2, 12, 1), (5.0, 200, 7)):  # the last runs through nan
        probe = lambda w: float(w.sum())  # noqa: E731
        ref = ref_gradient_descent(loss, w0, lr=lr, steps=steps, stride=stride, probe=probe)
        new = train.gradient_descent(loss, w0, lr=lr, steps=steps, stride=stride, probe=probe)
        assert same([new.w, new.losses, new.grad_norms, new.steps, new.probes],
                    [ref.w, ref.losses, ref.grad_norms, ref.steps, ref.probes])


@pytest.mark.parametrize("name", sorted(CASES))
def test_newton_polish_is_unchanged(name):
    loss, w0 = CASES[name]
    for steps in (0, 1, 5, 20):
        assert same(train.newton_polish(loss, w0 + 0.1, steps=steps), ref_newton_polish(loss, w0 + 0.1, steps=steps))


@pytest.mark.parametrize("name", sorted(CASES))
def test_newton_polish_is_reproducible_bit_for_bit(name):
    """Twenty runs of the same polish give one result (torch.linalg.lstsq gave several on MKL)."""
    loss, w0 = CASES[name]
    runs = {train.newton_polish(loss, w0 + 0.1, steps=5).numpy().tobytes() for _ in range(20)}
    assert len(runs) == 1


# ----------------------------------------------------------------------------- documented behaviour
@pytest.mark.parametrize("seed", range(4))
def test_armijo_never_increases_the_loss(seed):
    loss, w0 = mlp_case(seed, "tanh")
    run = train.descend(loss, w0 * 3.0, rule=train.Armijo(10.0), steps=80)
    assert not run.diverged and len(run.losses) == 81
    assert all(b <= a for a, b in zip(run.losses, run.losses[1:]))


def test_fixed_stops_on_non_finite_values():
    run = train.descend(quadratic, Z3, rule=train.Fixed(1e3), steps=1000, keep_iterates=True)
    assert run.diverged and run.blowup is not None and not math.isfinite(run.blowup.loss)
    assert all(math.isfinite(v) for v in run.losses) and len(run.iterates) == run.final.k + 1 < 1001
    assert run.blowup.k == run.final.k + 1 and run.w is run.final.w
    # the legacy front-end runs through (stop_nonfinite=False)
    old = train.gradient_descent(quadratic, Z3, lr=1e3, steps=1000, stride=1000)
    assert old.steps == [0, 1000] and not math.isfinite(old.losses[-1])


@pytest.mark.parametrize("rule", [train.Fixed(0.1), train.Armijo(1.0), train.LBFGS(), train.Newton()],
                         ids=lambda r: type(r).__name__)
def test_callback_sees_every_step_and_stop_ends_the_run(rule):
    seen = []
    run = train.descend(quadratic, Z3, rule=rule, steps=6, callback=lambda s: seen.append((s.k, s.loss)))
    ks = [k for k, _ in seen]
    assert ks == list(range(run.final.k + 1)) and seen[0][1] == float(quadratic(Z3))
    if not run.diverged:
        assert ks[-1] == 6
    assert [v for _, v in seen] == run.losses  # stride 1: every accepted step recorded
    stopped = train.descend(quadratic, Z3, rule=rule, steps=6, stop=lambda s: s.k == 2, keep_iterates=True)
    assert stopped.final.k == 2 and len(stopped.iterates) == 3 and not stopped.diverged


def test_rules_reach_the_quadratic_minimiser():
    for rule, steps in ((train.Fixed(1.0 / LAM_MAX), 2000), (train.Armijo.for_curvature(LAM_MAX), 2000),
                        (train.LBFGS(), 20), (train.Newton(), 3)):
        run = train.descend(quadratic, Z3, rule=rule, steps=steps, stop=train.loss_below(1e-28))
        assert torch.allclose(run.w, W_STAR, atol=1e-10), type(rule).__name__
    assert torch.allclose(train.newton_polish(quadratic, Z3), W_STAR, atol=1e-12)


def test_a_rule_object_serves_successive_runs():
    rule = train.Armijo(1.0)
    a = train.descend(quadratic, Z3, rule=rule, steps=10, keep_iterates=True)
    b = train.descend(quadratic, Z3, rule=rule, steps=10, keep_iterates=True)
    assert same(a.iterates, b.iterates)
    rule = train.LBFGS()
    a = train.descend(unbounded, Z3, rule=rule, steps=5, keep_iterates=True)
    b = train.descend(unbounded, Z3, rule=rule, steps=5, keep_iterates=True)
    assert same(a.path(), b.path())


def test_stride_records_and_the_last_step():
    run = train.descend(quadratic, Z3, rule=train.Fixed(0.1), steps=10, stride=4, probe=lambda w: w.clone())
    assert run.steps == [0, 4, 8, 10] and len(run.probes) == 4 and same(run.probes[-1], run.w)
    run = train.descend(quadratic, Z3, rule=train.Fixed(0.1), steps=10, stride=None)
    assert run.steps == [10]
    run = train.descend(quadratic, Z3, rule=train.Fixed(0.1), steps=10, stride=4, stop=lambda s: s.k == 5)
    assert run.steps == [0, 4, 5]
