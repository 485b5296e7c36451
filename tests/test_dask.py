"""Estimators on Dask arrays: same coefficients as in memory, one pass per Newton step."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris

import lrbook

dask = pytest.importorskip("dask", reason="the dask extra is not installed")
da = pytest.importorskip("dask.array")


@pytest.fixture(scope="module")
def cancer() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_breast_cancer(return_X_y=True)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


@pytest.fixture(scope="module")
def iris() -> tuple[np.ndarray, np.ndarray]:
    return load_iris(return_X_y=True)


@pytest.fixture
def compute_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the dask.compute calls lrbook makes (each one reads every chunk once)."""
    calls: list[int] = []
    original = dask.compute

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(dask, "compute", counting)
    return calls


# uneven last chunks (569 = 5 * 100 + 69), one chunk, column chunks merged
CHUNKS = [(100, 30), (569, 30), (57, 7), (250, 30)]


@pytest.mark.parametrize("chunks", CHUNKS)
def test_logistic_newton_on_dask_equals_the_numpy_fit(cancer, chunks) -> None:
    X, y = cancer
    ref = lrbook.LogisticRegression(alpha=1e-3, tol=1e-10).fit(X, y)
    got = lrbook.LogisticRegression(alpha=1e-3, tol=1e-10).fit(da.from_array(X, chunks), y)
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=0, atol=1e-12)
    np.testing.assert_allclose(got.intercept_, ref.intercept_, rtol=0, atol=1e-12)
    assert got.converged_
    assert got.n_iter_ == ref.n_iter_
    assert got.n_features_in_ == 30
    np.testing.assert_array_equal(got.classes_, ref.classes_)


def test_sample_weights_and_dask_labels_are_supported(cancer) -> None:
    X, y = cancer
    w = np.random.default_rng(0).uniform(0, 2, size=len(y))
    w[:100] = 0.0  # a whole chunk of zero weight
    ref = lrbook.LogisticRegression(alpha=1e-2).fit(X, y, sample_weight=w)
    Xd = da.from_array(X, chunks=(100, 30))
    yd, wd = da.from_array(y, chunks=77), da.from_array(w, chunks=100)
    got = lrbook.LogisticRegression(alpha=1e-2).fit(Xd, yd, sample_weight=wd)
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=0, atol=1e-12)


@pytest.mark.parametrize("alpha", [1e-4, 0.01])
def test_softmax_newton_on_dask_equals_the_numpy_fit(iris, alpha) -> None:
    X, y = iris
    labels = np.array(["setosa", "versicolor", "virginica"])[y]  # string labels too
    kwargs = {"alpha": alpha, "tol": 1e-10, "max_iter": 200}
    ref = lrbook.SoftmaxRegression(**kwargs).fit(X, labels)
    got = lrbook.SoftmaxRegression(**kwargs).fit(da.from_array(X, chunks=(40, 1)), labels)
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(got.intercept_, ref.intercept_, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(got.classes_, ref.classes_)


def test_gradient_descent_on_dask_equals_the_numpy_fit(cancer) -> None:
    X, y = cancer
    kwargs = {"solver": "gd", "alpha": 1e-2, "learning_rate": 0.5, "tol": 1e-6, "max_iter": 3000}
    ref = lrbook.LogisticRegression(**kwargs).fit(X, y)
    got = lrbook.LogisticRegression(**kwargs).fit(da.from_array(X, chunks=(150, 30)), y)
    assert got.n_iter_ == ref.n_iter_
    assert got.converged_
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=0, atol=1e-12)


def test_each_newton_step_is_one_pass_over_the_chunks(cancer, compute_calls) -> None:
    X, y = cancer
    model = lrbook.LogisticRegression(alpha=1e-3).fit(da.from_array(X, chunks=(100, 30)), y)
    # one validation scan, the evaluation at the start, then one evaluation per step
    # (every full Newton step is accepted on this problem)
    assert len(compute_calls) == 1 + 1 + model.n_iter_


def test_predictions_are_lazy_and_equal_to_the_numpy_ones(cancer, iris) -> None:
    X, y = cancer
    Xd = da.from_array(X, chunks=(100, 30))
    model = lrbook.LogisticRegression(alpha=1e-3).fit(X, y)
    for method in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
        lazy = getattr(model, method)(Xd)
        assert isinstance(lazy, da.Array), method
        expected = getattr(model, method)(X)
        if method == "predict":
            np.testing.assert_array_equal(lazy.compute(), expected)
        else:  # BLAS may sum a chunk of rows in another order than the whole array
            np.testing.assert_allclose(lazy.compute(), expected, rtol=1e-13, atol=1e-300)
    Xi, yi = iris
    soft = lrbook.SoftmaxRegression().fit(Xi, yi)
    z = soft.decision_function(da.from_array(Xi, chunks=(50, 4)))
    assert z.shape == (150, 3)
    np.testing.assert_allclose(z.compute(), soft.decision_function(Xi), rtol=1e-13)


def test_prediction_with_the_wrong_number_of_features_is_refused(cancer) -> None:
    X, y = cancer
    model = lrbook.LogisticRegression().fit(X, y)
    with pytest.raises(
        ValueError, match="X has 29 features, but LogisticRegression is expecting 30"
    ):
        model.predict(da.from_array(X[:, 1:], chunks=(100, 29)))


def test_nan_in_one_chunk_gives_the_numpy_error(cancer) -> None:
    X, y = cancer
    X = X.copy()
    X[450, 3] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN") as numpy_err:
        lrbook.LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="Input X contains NaN") as dask_err:
        lrbook.LogisticRegression().fit(da.from_array(X, chunks=(100, 30)), y)
    assert str(dask_err.value) == str(numpy_err.value)


def test_a_third_label_gives_the_numpy_error(cancer) -> None:
    X, y = cancer
    y = y.copy()
    y[-1] = 2  # only in the last chunk
    with pytest.raises(ValueError, match="Only binary classification") as numpy_err:
        lrbook.LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="Only binary classification") as dask_err:
        lrbook.LogisticRegression().fit(da.from_array(X, chunks=(100, 30)), y)
    assert str(dask_err.value) == str(numpy_err.value)


def test_continuous_labels_and_negative_weights_are_refused_per_chunk(cancer) -> None:
    X, y = cancer
    Xd = da.from_array(X, chunks=(100, 30))
    with pytest.raises(ValueError, match="Unknown label type"):
        lrbook.LogisticRegression().fit(Xd, y + 0.5)
    w = np.ones(len(y))
    w[500] = -1.0
    with pytest.raises(ValueError, match="sample_weight must be nonnegative"):
        lrbook.LogisticRegression().fit(Xd, y, sample_weight=w)
    with pytest.raises(ValueError, match="every sample_weight is zero"):
        lrbook.LogisticRegression().fit(Xd, y, sample_weight=np.zeros(len(y)))


def test_unknown_chunk_sizes_are_refused_with_the_fix(cancer) -> None:
    X, y = cancer
    Xd = da.from_array(X, chunks=(100, 30))
    keep = Xd[:, 0] > -100  # boolean indexing: all rows kept, chunk sizes unknown
    with pytest.raises(ValueError, match=r"unknown chunk sizes.*compute_chunk_sizes"):
        lrbook.LogisticRegression().fit(Xd[keep], y)


def test_sgd_and_the_mlp_refuse_dask_input_naming_the_solvers_that_accept_it(cancer) -> None:
    X, y = cancer
    Xd = da.from_array(X, chunks=(100, 30))
    with pytest.raises(ValueError, match=r"solver='sgd' does not accept Dask.*'newton'.*'gd'"):
        lrbook.LogisticRegression(solver="sgd").fit(Xd, y)
    with pytest.raises(TypeError, match=r"MLPClassifier does not accept Dask.*'newton'"):
        lrbook.MLPClassifier().fit(Xd, y)


def test_extreme_logits_stay_finite_and_warning_free_in_the_chunks() -> None:
    # labels that contradict huge logits: the chunk sums must use the stable kernels
    X = np.array([[1e3], [-1e3], [2.0], [-2.0]])
    y = np.array([0, 1, 1, 0])
    from lrbook._dask import DaskLinearObjective

    obj = DaskLinearObjective(
        da.from_array(X, chunks=(2, 1)), y, None,
        alpha=0.0, fit_intercept=True, multinomial=False, estimator="LogisticRegression",
    )  # fmt: skip
    loss, grad, H = obj.fun_hess(np.array([0.0, 1.0]))
    assert np.isfinite(loss)
    assert np.all(np.isfinite(grad))
    assert np.all(np.isfinite(H))
    np.testing.assert_allclose(loss, lrbook.losses.logistic_loss_grad([0.0, 1.0], X, y)[0])


def test_distributed_scheduler_gives_the_same_fit(cancer) -> None:
    distributed = pytest.importorskip("distributed")
    X, y = cancer
    ref = lrbook.LogisticRegression(alpha=1e-3).fit(X, y)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        got = lrbook.LogisticRegression(alpha=1e-3).fit(da.from_array(X, chunks=(100, 30)), y)
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=0, atol=1e-12)


def test_fitting_a_lazily_generated_array_never_materialises_it() -> None:
    n, d, rows = 1_000_000, 20, 50_000  # X alone is 160 MB of float64
    rng = da.random.default_rng(0)
    X = rng.standard_normal((n, d), chunks=(rows, d))
    y = (X @ np.linspace(-1, 1, d) + rng.standard_normal(n, chunks=rows) > 0).astype(int)
    tracemalloc.start()
    try:
        model = lrbook.LogisticRegression(alpha=1e-4).fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert model.converged_
    assert peak < 40e6, f"peak traced memory {peak / 1e6:.0f} MB for a 160 MB X"


def test_import_lrbook_does_not_import_dask() -> None:
    code = "import lrbook, lrbook.models, sys; assert 'dask' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
