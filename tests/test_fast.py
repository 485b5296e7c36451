"""The compiled path of ``lrbook[fast]`` and the fused SGD epochs (lrbook._sgd).

The scalar kernels (numba) against the NumPy kernels at every extreme, the compiled
epoch against the NumPy epoch, and both against the per-minibatch loop. The tests of
the compiled path skip when numba is not installed; CI installs the ``fast`` extra.
"""

from __future__ import annotations

import importlib.util
import io
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from lrbook import _sgd, codegen, kernels
from lrbook import optim as O
from lrbook._objectives import BINARY, MULTINOMIAL, LinearObjective
from lrbook.models import LogisticRegression, SoftmaxRegression

ROOT = Path(__file__).resolve().parents[1]
HAS_NUMBA = importlib.util.find_spec("numba") is not None
needs_numba = pytest.mark.skipif(not HAS_NUMBA, reason="numba is not installed (lrbook[fast])")


def _ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in units in the last place (0 where both are NaN or equal, +-0 alike)."""
    a, b = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float))
    both_nan = np.isnan(a) & np.isnan(b)
    ia = a.view(np.int64).astype(object)
    ib = b.view(np.int64).astype(object)
    # map the sign-magnitude bit patterns onto a monotone integer line
    ia = np.where(ia < 0, -(2**63) - ia, ia)
    ib = np.where(ib < 0, -(2**63) - ib, ib)
    d = np.abs(ia - ib).astype(float)
    d[both_nan] = 0
    d[np.isnan(a) != np.isnan(b)] = np.inf
    return d


NEGATIVE = [-np.inf, -1e308, -800.0, -745.2, -709.8, -40.0, -36.9, -1.0, -1e-300, -0.0]
POSITIVE = [0.0, 1e-300, 1e-8, 0.5, 1.0, 36.9, 40.0, 709.8, 745.2, 800.0, 1e308, np.inf]
EXTREMES = np.array([*NEGATIVE, *POSITIVE, np.nan])


def _extreme_args(name: str) -> tuple[np.ndarray, ...]:
    z = EXTREMES
    if name in ("bce_loss", "bce_dz", "bce_loss_dz"):
        Y, Z = np.meshgrid([0.0, 1.0], z)
        return Y.ravel(), Z.ravel()
    if name == "bce_d2z":
        return (z,)
    rng = np.random.default_rng(0)
    if name == "softmax_jacobian":
        p = np.concatenate([[0.0, 1e-300, 1e-17, 0.5, 1.0], rng.uniform(size=20)])
        P, Q, D = np.meshgrid(p, p, [0.0, 1.0])
        return P.ravel(), Q.ravel(), D.ravel()
    if name in ("sigmoid_dz_from_output",):
        return (np.concatenate([[0.0, 1e-300, 1e-17, 0.5, 1 - 1e-16, 1.0], rng.uniform(size=20)]),)
    if name == "tanh_dz_from_output":
        return (np.concatenate([[-1.0, -0.5, 0.0, 1e-300, 0.5, 1.0], rng.uniform(-1, 1, 20)]),)
    if name == "mlp_delta_hidden":
        a = np.concatenate([[0.0, 1e-300, 0.5, 1.0], rng.uniform(size=10)])
        B, A = np.meshgrid([-1e300, -2.0, 0.0, 3.0, 1e300], a)
        return B.ravel(), A.ravel()
    Y, Z = np.meshgrid([-1e150, -2.0, 0.0, 1.0, 1e150], z[np.isfinite(z) & (np.abs(z) < 1e200)])
    return Y.ravel(), Z.ravel()  # sse_loss, sse_dz


# ---------------------------------------------------------------------------- codegen


def test_scalar_kernels_cover_every_elementwise_kernel():
    names = [k.name for k in codegen.scalar_kernels()]
    assert names == [k.name for k in codegen.KERNELS.values() if not k.vector]
    assert {"bce_dz", "bce_loss", "bce_loss_dz"} <= set(names)


def test_checked_in_scalar_kernels_are_up_to_date():
    assert codegen.check(scalar_path=codegen.DEFAULT_SCALAR_OUTPUT, stream=io.StringIO()) == 0
    text = codegen.DEFAULT_SCALAR_OUTPUT.read_text(encoding="utf-8")
    assert text == codegen.generate_scalar()
    assert text.startswith(codegen.HEADER)
    assert text.count("@njit(cache=True)") == len(codegen.scalar_kernels())


def test_a_stale_scalar_module_fails_the_check(tmp_path):
    source = codegen.generate_scalar()
    stale = source.replace("return x0 * sigmoid(x0 * z)", "return x0 * sigmoid(z)", 1)
    assert stale != source
    path = tmp_path / "_fast_kernels.py"
    path.write_text(stale, encoding="utf-8")
    out = io.StringIO()
    assert codegen.check(tmp_path / "none.py", scalar_path=path, stream=out) == 1
    assert "+    return x0 * sigmoid(x0 * z)" in out.getvalue()
    # --output alone leaves the scalar module out; --scalar-output names it
    numpy_path = tmp_path / "kernels.py"
    assert codegen.main(["--output", str(numpy_path), "--scalar-output", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == source
    assert codegen.main(["--check", "--output", str(numpy_path)]) == 0


def test_scalar_max_propagates_nan_like_numpy():
    # Python's max(0, nan) is 0; the printed code must call the NaN-propagating twin
    source = codegen.generate_scalar()
    assert "max(" not in source.replace("maximum(", "")
    assert "maximum(0, x1)" in source


# ---------------------------------------------------------------------------- numba


def test_import_lrbook_and_a_numpy_sgd_fit_do_not_import_numba():
    code = (
        "import os, sys, numpy as np; os.environ['LRBOOK_FAST'] = '0'\n"
        "import lrbook\n"
        "assert 'numba' not in sys.modules, 'import lrbook'\n"
        "from lrbook.models import LogisticRegression\n"
        "X = np.random.default_rng(0).normal(size=(200, 3)); y = (X[:, 0] > 0).astype(int)\n"
        "LogisticRegression(solver='sgd', max_iter=3, tol=0, random_state=0).fit(X, y)\n"
        "assert 'numba' not in sys.modules, 'fit'\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr


def test_without_numba_the_numpy_path_runs(monkeypatch):
    monkeypatch.delenv("LRBOOK_FAST", raising=False)
    real = importlib.util.find_spec
    monkeypatch.setattr(
        _sgd.importlib.util, "find_spec", lambda name, *a: None if name == "numba" else real(name)
    )
    assert not _sgd.fast_available()
    X, y = _data(300, 4)
    obj = LinearObjective(X, y.astype(float), None, 0.01, True, BINARY)
    epochs = _sgd.linear_epochs(obj.fun_batch)
    assert epochs is not None
    assert not epochs.use_fast


def test_a_broken_numba_warns_and_runs_the_numpy_path(monkeypatch):
    monkeypatch.delenv("LRBOOK_FAST", raising=False)
    monkeypatch.setattr(_sgd, "fast_available", lambda: True)
    import lrbook

    monkeypatch.setitem(sys.modules, "lrbook._fast", None)  # import fails: ImportError
    monkeypatch.delattr(lrbook, "_fast", raising=False)
    X, y = _data(300, 4)
    obj = LinearObjective(X, y.astype(float), None, 0.0, True, BINARY)
    with pytest.warns(RuntimeWarning, match="using the NumPy path"):
        epochs = _sgd.linear_epochs(obj.fun_batch)
    assert epochs is not None
    assert not epochs.use_fast


@needs_numba
@pytest.mark.parametrize("kernel", [k.name for k in codegen.scalar_kernels()])
def test_scalar_kernels_within_2_ulp_of_the_numpy_kernels_at_every_extreme(kernel):
    from lrbook import _fast_kernels

    args = _extreme_args(kernel)
    scalar = getattr(_fast_kernels, kernel)
    with np.errstate(all="ignore"):
        expected = getattr(kernels, kernel)(*args)
        got = [scalar(*map(float, row)) for row in zip(*args, strict=True)]
    outs = (
        zip(expected, zip(*got, strict=True), strict=True)
        if isinstance(expected, tuple)
        else [(expected, got)]
    )
    for exp, sc in outs:
        d = _ulps(np.asarray(sc, float), np.broadcast_to(exp, args[0].shape))
        assert d.max() <= 2, (kernel, np.asarray(args)[:, d > 2].T, d[d > 2])


# ---------------------------------------------------------------------------- epochs


def _data(n, d, seed=0, classes=2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    score = X[:, 0] + 0.5 * rng.normal(size=n)
    y = np.digitize(score, np.linspace(-0.6, 0.6, classes - 1)) if classes > 2 else score > 0
    return X, y.astype(int)


def _fit(est, X, y, sw, mode, monkeypatch):
    """Fit with the per-minibatch loop ("loop"), the NumPy epoch or the compiled one."""
    monkeypatch.setenv("LRBOOK_FAST", "1" if mode == "fast" else "0")
    if mode == "loop":
        monkeypatch.setattr(O, "_fused_epochs", lambda *a: None)
    else:
        monkeypatch.setattr(O, "_fused_epochs", _FUSED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few epochs: not converged, on purpose
        return est.fit(X, y, sample_weight=sw)


_FUSED = O._fused_epochs
MODES = ["numpy", pytest.param("fast", marks=needs_numba)]
SETTINGS = [
    {"alpha": 0.0},
    {"alpha": 0.01},
    {"alpha": 0.01, "fit_intercept": False},
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("settings", SETTINGS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(("n", "batch"), [(1000, 32), (1024, 32), (50, 64)])
@pytest.mark.parametrize("history", [4096, 3])
def test_fused_binary_epochs_follow_the_per_minibatch_loop(
    mode, settings, weighted, n, batch, history, monkeypatch
):
    # history=3: the NumPy epoch's parameter history wraps around every 3 minibatches
    monkeypatch.setattr(_sgd, "_HISTORY_ROWS", history)
    X, y = _data(n, 5)
    sw = np.random.default_rng(1).uniform(0.2, 2.0, n) if weighted else None

    def est():
        return LogisticRegression(
            solver="sgd", batch_size=batch, max_iter=6, tol=0, random_state=3, **settings
        )

    ref = _fit(est(), X, y, sw, "loop", monkeypatch)
    got = _fit(est(), X, y, sw, mode, monkeypatch)
    assert got.n_iter_ == ref.n_iter_ == 6
    np.testing.assert_allclose(got.batch_loss_curve_, ref.batch_loss_curve_, rtol=1e-13)
    np.testing.assert_allclose(got.loss_curve_, ref.loss_curve_, rtol=1e-13)
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got.intercept_, ref.intercept_, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("settings", SETTINGS)
@pytest.mark.parametrize("weighted", [False, True])
def test_fused_softmax_epochs_follow_the_per_minibatch_loop(settings, weighted, monkeypatch):
    X, y = _data(700, 4, classes=3)
    sw = np.random.default_rng(1).uniform(0.2, 2.0, 700) if weighted else None

    def est():
        return SoftmaxRegression(
            solver="sgd", batch_size=32, max_iter=5, tol=0, random_state=3, **settings
        )

    ref = _fit(est(), X, y, sw, "loop", monkeypatch)
    got = _fit(est(), X, y, sw, "numpy", monkeypatch)
    np.testing.assert_allclose(got.batch_loss_curve_, ref.batch_loss_curve_, rtol=1e-13)
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-12, atol=1e-14)


@needs_numba
@pytest.mark.parametrize("settings", SETTINGS)
@pytest.mark.parametrize("weighted", [False, True])
def test_compiled_and_numpy_epochs_agree_to_1e_14(settings, weighted, monkeypatch):
    # one epoch from the same point: minibatch losses, parameters and the last gradient
    X, y = _data(2000, 6)
    sw = np.random.default_rng(1).uniform(0.2, 2.0, 2000) if weighted else None
    obj = LinearObjective(
        X, y.astype(float), sw, settings["alpha"], settings.get("fit_intercept", True), BINARY
    )
    x0 = np.random.default_rng(2).normal(scale=0.3, size=X.shape[1] + obj.fit_intercept)
    perm = np.random.default_rng(4).permutation(2000)
    out = {}
    for mode in ("0", "1"):
        monkeypatch.setenv("LRBOOK_FAST", mode)
        epochs = _sgd.linear_epochs(obj.fun_batch)
        assert epochs is not None
        assert epochs.use_fast == (mode == "1")
        out[mode] = (*epochs.epoch(x0, perm, 0.05, 32), epochs.loss(x0))
    (w0, l0, g0, f0), (w1, l1, g1, f1) = out["0"], out["1"]
    np.testing.assert_allclose(l1, l0, rtol=1e-14)
    np.testing.assert_allclose(w1, w0, rtol=1e-14, atol=1e-14 * np.abs(w0).max())
    np.testing.assert_allclose(g1, g0, rtol=1e-14, atol=1e-14 * np.abs(g0).max())
    np.testing.assert_allclose(f1, f0, rtol=1e-14)
    # and the full-data loss is the objective's
    np.testing.assert_allclose(f0, obj.fun(x0)[0], rtol=1e-14)


@pytest.mark.parametrize("mode", MODES)
def test_fused_epochs_are_deterministic_for_a_seed(mode, monkeypatch):
    X, y = _data(500, 3)
    fits = [
        _fit(
            LogisticRegression(solver="sgd", max_iter=4, tol=0, random_state=7),
            X,
            y,
            None,
            mode,
            monkeypatch,
        )
        for _ in range(2)
    ]
    assert np.array_equal(fits[0].coef_, fits[1].coef_)
    assert np.array_equal(fits[0].batch_loss_curve_, fits[1].batch_loss_curve_)


@pytest.mark.parametrize("mode", MODES)
def test_fused_epochs_stop_honestly(mode, monkeypatch):
    X, y = _data(400, 3)
    X = X * 1e3  # unscaled features: a step of 10 diverges
    est = LogisticRegression(solver="sgd", learning_rate=10.0, max_iter=20, random_state=0)
    with pytest.raises(O.DivergenceError, match=r"learning_rate=10\.0"):
        _fit(est, X, y, None, mode, monkeypatch)
    # and a converging run stops by the same rule as the loop
    X, y = _data(400, 3)
    ref = _fit(
        LogisticRegression(solver="sgd", max_iter=200, random_state=0),
        X,
        y,
        None,
        "loop",
        monkeypatch,
    )
    got = _fit(
        LogisticRegression(solver="sgd", max_iter=200, random_state=0),
        X,
        y,
        None,
        mode,
        monkeypatch,
    )
    assert got.n_iter_ == ref.n_iter_ < 200
    assert got.converged_
    assert ref.converged_


@pytest.mark.parametrize("mode", ["loop", *MODES])
def test_a_non_finite_minibatch_loss_is_reported_for_its_epoch(mode, monkeypatch):
    # finite at the start; after one step the logits overflow to inf: the loss of a later
    # minibatch of the first epoch is inf, and every path says so
    X, y = _data(64, 2)
    est = LogisticRegression(solver="sgd", batch_size=16, max_iter=3, random_state=0)
    with pytest.raises(O.DivergenceError, match="non-finite in epoch 1"):
        _fit(est, X * 1e200, y, None, mode, monkeypatch)


def test_only_the_linear_objectives_own_minibatch_runs_fused():
    X, y = _data(100, 2)
    obj = LinearObjective(X, y.astype(float), None, 0.0, True, BINARY)
    assert _sgd.linear_epochs(obj.fun_batch) is not None
    assert _sgd.linear_epochs(lambda w, idx: obj.fun_batch(w, idx)) is None
    checked = LinearObjective(X, y.astype(float), None, 0.0, True, BINARY, check_logits=True)
    assert _sgd.linear_epochs(checked.fun_batch) is None

    class Sub(LinearObjective):
        def fun_batch(self, params, idx):
            return super().fun_batch(params, idx)

    sub = Sub(X, y.astype(float), None, 0.0, True, BINARY)
    assert _sgd.linear_epochs(sub.fun_batch) is None
    soft = LinearObjective(X, np.eye(3)[y], None, 0.0, True, MULTINOMIAL)
    assert _sgd.linear_epochs(soft.fun_batch) is not None
    # parameters of another shape than the objective's: the loop (which raises its error)
    assert O._fused_epochs(obj.fun_batch, (5,)) is None


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("family", [BINARY, MULTINOMIAL])
@pytest.mark.parametrize("weighted", [False, True])
def test_fused_full_data_loss_is_the_objectives_loss(mode, family, weighted, monkeypatch):
    # the trainer's start and end losses: blocked, shared by threads, and at the usual zero
    # start without a pass (log 2, log K); each equal to LinearObjective.fun's loss, on the
    # NumPy path and on the compiled one (the binary losses of lrbook._fast.bce_losses)
    monkeypatch.setenv("LRBOOK_NUM_THREADS", "2")
    monkeypatch.setenv("LRBOOK_FAST", "1" if mode == "fast" else "0")
    rng = np.random.default_rng(7)
    n, d, K = 30_000, 6, 4
    X = rng.standard_normal((n, d))
    sw = rng.uniform(0.2, 2.0, n) if weighted else None
    if family is BINARY:
        T, shape = (rng.random(n) < 0.3).astype(float), (d + 1,)
    else:
        T, shape = np.eye(K)[rng.integers(0, K, n)], (d + 1, K)
    obj = LinearObjective(X, T, sw, 0.05, True, family)
    epochs = _sgd.linear_epochs(obj.fun_batch)
    assert epochs is not None
    assert epochs.use_fast == (mode == "fast" and family is BINARY)
    for x in (np.zeros(shape), rng.standard_normal(shape)):
        np.testing.assert_allclose(epochs.loss(x), obj.fun(x)[0], rtol=1e-13)


def test_scipy_expit_of_the_numpy_epoch_matches_lrbooks_sigmoid():
    # The NumPy epoch computes sigma(t) with SciPy's expit (one ufunc) instead of the
    # primitive lrbook.sigmoid (several): within 4 ulp wherever sigma is a normal number;
    # where it is subnormal (t < -708.4) within 2.3e-308 (expit gives 0 from t = -709.8).
    from scipy.special import expit

    from lrbook import sigmoid

    t = np.concatenate(
        [np.linspace(-800.0, 800.0, 160_001), [-745.2, -709.79, -37.0, -0.0, 37.0, 710.0]]
    )
    with np.errstate(over="ignore"):
        got = expit(t)
    ref = sigmoid(t)
    assert np.all(np.isfinite(got))
    normal = ref >= np.finfo(np.float64).tiny
    ulps = np.abs(got - ref)[normal] / np.spacing(ref[normal])
    assert ulps.max() <= 4
    assert np.all(np.abs(got - ref)[~normal] < np.finfo(np.float64).tiny)
    with np.errstate(over="ignore"):
        assert expit(np.array([-np.inf, np.inf])).tolist() == [0.0, 1.0]
