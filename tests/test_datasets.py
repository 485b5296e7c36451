"""Tests for lrbook.datasets: real-data loaders, standardisation and seeded toy data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.preprocessing import StandardScaler

from lrbook import datasets


# --------------------------------------------------------------------------- loaders
def test_breast_cancer_shapes_and_names():
    d = datasets.load_breast_cancer()
    assert d.data.shape == (569, 30)
    assert d.data.dtype == np.float64
    assert d.target.shape == (569,)
    assert np.bincount(d.target).tolist() == [212, 357]
    assert d.target_names.tolist() == ["malignant", "benign"]
    assert len(d.feature_names) == 30
    assert d.feature_names[0] == "mean radius"
    assert "569" in d.DESCR


def test_breast_cancer_standardized_and_return_X_y():
    X, y = datasets.load_breast_cancer(standardize=True, return_X_y=True)
    assert X.shape == (569, 30)
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0), 1.0, rtol=1e-12)
    raw = datasets.load_breast_cancer().data
    np.testing.assert_allclose(X, StandardScaler().fit_transform(raw), atol=1e-12)
    assert y.shape == (569,)


def test_iris_full():
    d = datasets.load_iris()
    assert d.data.shape == (150, 4)
    assert np.bincount(d.target).tolist() == [50, 50, 50]
    assert d.target_names.tolist() == ["setosa", "versicolor", "virginica"]


@pytest.mark.parametrize(
    "classes",
    [(1, 2), ("versicolor", "virginica"), ["Versicolor", 2]],
)
def test_iris_class_subset_relabelled(classes):
    X, y = datasets.load_iris(classes=classes, return_X_y=True)
    full = datasets.load_iris()
    assert X.shape == (100, 4)
    assert sorted(set(y.tolist())) == [0, 1]
    # virginica (original label 2) became 1
    np.testing.assert_array_equal(X[y == 1], full.data[full.target == 2])


def test_iris_class_order_sets_labels():
    d = datasets.load_iris(classes=("virginica", "setosa"))
    assert d.target_names.tolist() == ["virginica", "setosa"]
    full = datasets.load_iris()
    np.testing.assert_array_equal(d.data[d.target == 0], full.data[full.target == 2])


def test_iris_features():
    d = datasets.load_iris(features=("petal length (cm)", "petal_width"))
    assert d.data.shape == (150, 2)
    assert d.feature_names.tolist() == ["petal length (cm)", "petal width (cm)"]
    full = datasets.load_iris().data
    np.testing.assert_array_equal(d.data, full[:, [2, 3]])
    d2 = datasets.load_iris(classes=(0, 1), features=(3, 0))
    assert d2.data.shape == (100, 2)
    assert d2.data.flags.c_contiguous


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"classes": ("rose",)}, ValueError, "classes"),
        ({"classes": (0, 3)}, ValueError, "classes"),
        ({"classes": (0, 0)}, ValueError, "twice"),
        ({"classes": ()}, ValueError, "empty"),
        ({"features": ("petal_size",)}, ValueError, "features"),
        ({"features": (1.5,)}, TypeError, "features"),
    ],
)
def test_iris_bad_selection(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        datasets.load_iris(**kwargs)


# --------------------------------------------------------------------------- standardize
def test_standardize_uses_training_statistics():
    rng = np.random.default_rng(0)
    X_train = rng.normal(5.0, 3.0, size=(40, 3))
    X_test = rng.normal(5.0, 3.0, size=(10, 3))
    Xtr, Xte = datasets.standardize(X_train, X_test)
    np.testing.assert_allclose(Xtr.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Xtr.std(axis=0), 1.0)
    scaler = StandardScaler().fit(X_train)
    np.testing.assert_allclose(Xte, scaler.transform(X_test))
    np.testing.assert_allclose(datasets.standardize(X_train), Xtr)


def test_standardize_constant_column_and_errors():
    X = np.array([[1.0, 2.0], [1.0, 4.0]])
    out = datasets.standardize(X)
    assert np.all(np.isfinite(out))
    np.testing.assert_array_equal(out[:, 0], 0.0)
    with pytest.raises(ValueError, match="X_train"):
        datasets.standardize(np.arange(3.0))
    with pytest.raises(ValueError, match="X_train contains NaN"):
        datasets.standardize(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="X_test has 1 features"):
        datasets.standardize(X, np.ones((2, 1)))


# --------------------------------------------------------------------------- generators
GENERATORS = {
    "linear": lambda rs: datasets.make_linear(60, noise=0.5, random_state=rs),
    "blobs": lambda rs: datasets.make_blobs(60, random_state=rs),
    "blobs3": lambda rs: datasets.make_blobs(60, centers=3, separable=True, random_state=rs),
    "xor": lambda rs: datasets.make_xor(60, random_state=rs),
    "moons": lambda rs: datasets.make_moons(60, random_state=rs),
}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_are_seeded(name):
    make = GENERATORS[name]
    a, b, c = make(0), make(0), make(1)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert a[0].dtype == np.float64
    assert not np.array_equal(a[0], c[0])
    gen = make(np.random.default_rng(3))
    assert gen[0].shape == a[0].shape


def test_make_linear_exact_without_noise():
    X, y, coef = datasets.make_linear(30, weights=(2.0, -3.0, 0.5), bias=-1.5, random_state=4)
    assert X.shape == (30, 3)
    assert coef.tolist() == [-1.5, 2.0, -3.0, 0.5]
    np.testing.assert_array_equal(y, X @ coef[1:] + coef[0])
    X1 = np.column_stack([np.ones(len(X)), X])
    np.testing.assert_allclose(np.linalg.solve(X1.T @ X1, X1.T @ y), coef, rtol=1e-12)
    X, y, coef = datasets.make_linear(200, weights=(1.0,), noise=0.3, random_state=0)
    resid = y - X @ coef[1:] - coef[0]
    assert 0.2 < resid.std() < 0.4


def test_make_blobs_balance_and_separability():
    X, y = datasets.make_blobs(101, separation=1.0, scale=1.0, separable=True, random_state=0)
    assert X.shape == (101, 2)
    assert np.bincount(y).tolist() == [51, 50]
    # separable: every point on its own side of the perpendicular bisector x1 + x2 = 0
    np.testing.assert_array_equal((X.sum(axis=1) > 0).astype(int), y)
    X, y = datasets.make_blobs(400, separation=1.0, scale=1.0, random_state=0)
    assert np.any((X.sum(axis=1) > 0).astype(int) != y)  # overlapping
    X, y = datasets.make_blobs(10, centers=[[0, 0], [5, 5], [0, 5], [5, 0]], scale=0.0)
    assert np.bincount(y).tolist() == [3, 3, 2, 2]
    np.testing.assert_array_equal(X[y == 1], 5.0)


def test_make_blobs_separation_between_centres():
    X, y = datasets.make_blobs(300, centers=3, separation=4.0, scale=0.0, random_state=0)
    centres = np.array([X[y == k][0] for k in range(3)])
    d = np.linalg.norm(centres[:, None] - centres[None], axis=-1)
    np.testing.assert_allclose(d[np.triu_indices(3, 1)], 4.0)


def test_xor_and_moons_balanced():
    X, y = datasets.make_xor(200, noise=0.0, random_state=0)
    assert np.bincount(y).tolist() == [100, 100]
    assert np.all(np.abs(X) <= 1.0)
    np.testing.assert_array_equal((X[:, 0] * X[:, 1] < 0).astype(int), y)
    X, y = datasets.make_moons(200, noise=0.2, random_state=0)
    assert np.bincount(y).tolist() == [100, 100]
    assert y.dtype == np.int64


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: datasets.make_linear(0), ValueError, "n_samples"),
        (lambda: datasets.make_linear(2.5), TypeError, "n_samples"),
        (lambda: datasets.make_linear(True), TypeError, "n_samples"),
        (lambda: datasets.make_linear(10, noise=-1), ValueError, "noise"),
        (lambda: datasets.make_linear(10, noise=np.nan), ValueError, "noise"),
        (lambda: datasets.make_linear(10, weights=()), ValueError, "weights"),
        (lambda: datasets.make_linear(10, bias=np.inf), ValueError, "bias"),
        (lambda: datasets.make_linear(10, random_state="a"), TypeError, "random_state"),
        (lambda: datasets.make_blobs(-3), ValueError, "n_samples"),
        (lambda: datasets.make_blobs(10, separation=0), ValueError, "separation"),
        (lambda: datasets.make_blobs(10, scale=-0.1), ValueError, "scale"),
        (lambda: datasets.make_blobs(10, centers=1), ValueError, "centers"),
        (lambda: datasets.make_blobs(10, centers=[[0, 0, 0]]), ValueError, "centers"),
        (lambda: datasets.make_blobs(2, centers=3), ValueError, "n_samples"),
        (lambda: datasets.make_xor(0), ValueError, "n_samples"),
        (lambda: datasets.make_xor(10, noise=-0.5), ValueError, "noise"),
        (lambda: datasets.make_moons(1), ValueError, "n_samples"),
        (lambda: datasets.make_moons(10, noise="big"), TypeError, "noise"),
    ],
)
def test_bad_parameters_name_the_parameter(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_train_test_split_is_sklearns():
    from sklearn.model_selection import train_test_split as sk_split

    X, y = datasets.load_breast_cancer(return_X_y=True)
    ours = datasets.train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    theirs = sk_split(X, y, test_size=0.25, random_state=0, stratify=y)
    assert len(ours) == 4
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------- original Wisconsin data
def test_original_breast_cancer_shape_missing_and_labels():
    d = datasets.load_breast_cancer_original()
    assert d.data.shape == (699, 9)
    assert d.data.dtype == np.float64
    assert d.n_missing == 16
    assert d.missing_mask.shape == (699, 9)
    # all 16 question marks sit in the bare nuclei column, one per incomplete row
    assert d.missing_mask.sum(axis=0).tolist() == [0, 0, 0, 0, 0, 16, 0, 0, 0]
    assert d.missing_mask.any(axis=1).sum() == 16
    assert np.bincount(d.target).tolist() == [458, 241]  # benign 0, malignant 1
    assert d.target_names.tolist() == ["benign", "malignant"]
    assert np.isfinite(d.data).all()
    assert d.data.min() == 1.0
    assert d.data.max() == 10.0
    assert "699" in d.DESCR
    assert "malignant" in d.DESCR


def test_original_breast_cancer_reads_the_raw_file_faithfully():
    from importlib import resources

    raw = resources.files("lrbook").joinpath("data", "breast-cancer-wisconsin.data")
    lines = raw.read_text("ascii").split()
    assert len(lines) == 699
    d = datasets.load_breast_cancer_original(missing="keep")
    for i in (0, 23, 698):  # row 23 is the first with a '?'
        fields = lines[i].split(",")
        assert d.sample_ids[i] == int(fields[0])
        assert d.target[i] == {"2": 0, "4": 1}[fields[10]]
        for j, f in enumerate(fields[1:10]):
            if f == "?":
                assert np.isnan(d.data[i, j])
            else:
                assert d.data[i, j] == float(f)
    assert np.isnan(d.data[23, 5])


def test_original_breast_cancer_median_imputation_uses_observed_medians():
    kept = datasets.load_breast_cancer_original(missing="keep")
    filled = datasets.load_breast_cancer_original()
    observed = kept.data[~kept.missing_mask[:, 5], 5]
    assert filled.medians[5] == np.median(observed)
    np.testing.assert_array_equal(filled.data[kept.missing_mask[:, 5], 5], np.median(observed))
    np.testing.assert_array_equal(filled.medians, np.nanmedian(kept.data, axis=0))
    # every other entry is untouched
    np.testing.assert_array_equal(filled.data[~kept.missing_mask], kept.data[~kept.missing_mask])


def test_original_breast_cancer_drop_and_return_X_y():
    X, y = datasets.load_breast_cancer_original(missing="drop", return_X_y=True)
    assert X.shape == (683, 9)
    assert y.shape == (683,)
    assert np.isfinite(X).all()


def test_original_breast_cancer_as_frame():
    pd = pytest.importorskip("pandas")
    d = datasets.load_breast_cancer_original(as_frame=True)
    assert isinstance(d.data, pd.DataFrame)
    assert list(d.data.columns) == d.feature_names.tolist()
    assert d.frame.shape == (699, 10)
    assert d.target.name == "malignant"
    X, y = datasets.load_breast_cancer_original(as_frame=True, return_X_y=True)
    np.testing.assert_array_equal(X.to_numpy(), datasets.load_breast_cancer_original().data)
    assert int(y.sum()) == 241


def test_original_breast_cancer_rejects_unknown_missing_policy():
    with pytest.raises(ValueError, match=r"missing must be one of .*got missing='mean'"):
        datasets.load_breast_cancer_original(missing="mean")


def test_importing_datasets_does_not_import_pandas():
    import subprocess
    import sys

    code = "import sys, lrbook.datasets; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
