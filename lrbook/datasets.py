"""Real data sets (from the files scikit-learn ships) and seeded toy data for the book.

Nothing here touches the network: two real data sets are the copies of the
Wisconsin diagnostic breast cancer data (569 x 30) and of Fisher's iris data
(150 x 4) that are installed with scikit-learn; the third, the original
Wisconsin breast cancer data (699 x 9), ships inside lrbook (``lrbook/data``).  The toy generators are seeded
(``random_state``) so every figure and every number in the book is reproducible.

scikit-learn is imported lazily inside the functions that need it, so
``import lrbook.datasets`` stays cheap.

Contents
--------
load_breast_cancer, load_iris
    Real data as float64 arrays plus feature and class names.
load_breast_cancer_original
    The course's data (699 x 9, shipped inside lrbook as package data).
standardize
    Standardise with the *training* mean and standard deviation.
make_linear, make_blobs, make_xor, make_moons
    Seeded toy data (float64 features, integer labels).
train_test_split
    scikit-learn's splitter, re-exported with the same signature.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    from sklearn.utils import Bunch

__all__ = [
    "load_breast_cancer",
    "load_breast_cancer_original",
    "load_iris",
    "make_blobs",
    "make_linear",
    "make_moons",
    "make_xor",
    "standardize",
    "train_test_split",
]

RandomState = int | np.random.Generator | None


# ---------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------
def _check_n_samples(n_samples: Any, minimum: int = 1) -> int:
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral):
        raise TypeError(
            f"n_samples must be an int, got {n_samples!r} of type {type(n_samples).__name__}; "
            "pass a whole number such as n_samples=100"
        )
    if n_samples < minimum:
        raise ValueError(
            f"n_samples must be >= {minimum}, got n_samples={n_samples}; "
            f"ask for at least {minimum} sample(s)"
        )
    return int(n_samples)


def _check_nonneg_float(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}; pass e.g. {name}=0.1")
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {name}={value!r}")
    return value


def _check_positive_float(value: Any, name: str) -> float:
    value = _check_nonneg_float(value, name)
    if value == 0:
        raise ValueError(f"{name} must be > 0, got {name}={value!r}")
    return value


def _rng(random_state: RandomState) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or (
        isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool)
    ):
        return np.random.default_rng(random_state)
    raise TypeError(
        "random_state must be None, an int seed or a numpy.random.Generator, "
        f"got {random_state!r}; pass e.g. random_state=0"
    )


def _bunch(**kwargs: Any) -> Bunch:
    from sklearn.utils import Bunch

    return Bunch(**kwargs)


def _finite_2d(X: ArrayLike, name: str) -> NDArray[np.float64]:
    arr = np.asarray(X)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must be a real numeric array, got dtype {arr.dtype}; "
            f"convert it with np.asarray({name}, dtype=float)"
        )
    arr = arr.astype(np.float64)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D of shape (n_samples, n_features), got shape {arr.shape}; "
            f"reshape a single feature with {name}.reshape(-1, 1)"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} has 0 samples (shape {arr.shape}); pass at least one row")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf; remove or impute those entries first")
    return arr


# ---------------------------------------------------------------------------
# standardisation
# ---------------------------------------------------------------------------
def standardize(
    X_train: ArrayLike, X_test: ArrayLike | None = None
) -> NDArray[np.float64] | tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Standardise features with the mean and standard deviation of the *training* data.

    Each column of ``X_train`` is shifted by its mean and divided by its
    (population, ``ddof=0``) standard deviation; ``X_test`` is transformed with the
    same training statistics, never with its own, so no information leaks from
    the test set.  Constant columns are only centred (divided by 1), as in
    :class:`sklearn.preprocessing.StandardScaler`, which computes the same thing.

    Parameters
    ----------
    X_train : array-like of shape (n_samples, n_features)
        Training features (finite).
    X_test : array-like of shape (n_test, n_features), optional
        Features to transform with the training statistics.

    Returns
    -------
    X_train_std : ndarray of shape (n_samples, n_features), float64
        Returned alone when ``X_test`` is None.
    (X_train_std, X_test_std) : tuple of ndarrays
        Returned when ``X_test`` is given.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.datasets import standardize
    >>> X_train = np.array([[1.0, 10.0], [3.0, 30.0]])
    >>> standardize(X_train)
    array([[-1., -1.],
           [ 1.,  1.]])
    >>> _, X_test = standardize(X_train, np.array([[2.0, 50.0]]))
    >>> X_test
    array([[0., 3.]])
    """
    Xtr = _finite_2d(X_train, "X_train")
    mean = Xtr.mean(axis=0)
    std = Xtr.std(axis=0)
    std[std == 0] = 1.0
    Xtr_std = (Xtr - mean) / std
    if X_test is None:
        return Xtr_std
    Xte = _finite_2d(X_test, "X_test")
    if Xte.shape[1] != Xtr.shape[1]:
        raise ValueError(
            f"X_test has {Xte.shape[1]} features but X_train has {Xtr.shape[1]}; "
            "both must have the same columns"
        )
    return Xtr_std, (Xte - mean) / std


def _standardize_all(X: NDArray[np.float64]) -> NDArray[np.float64]:
    # load_breast_cancer's ``standardize`` flag shadows the public function's name there
    out = standardize(X)
    assert isinstance(out, np.ndarray)
    return out


# ---------------------------------------------------------------------------
# real data
# ---------------------------------------------------------------------------
def load_breast_cancer(
    *, standardize: bool = False, return_X_y: bool = False
) -> Bunch | tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Wisconsin diagnostic breast cancer data (569 samples, 30 features, 2 classes).

    Read from the copy shipped with scikit-learn (no download).  Labels follow
    scikit-learn: ``0 = "malignant"`` (212 samples), ``1 = "benign"`` (357).
    Standardised, this data set is *linearly separable*, so an unpenalised
    logistic regression has no finite optimum (see the gradient descent chapter).

    Parameters
    ----------
    standardize : bool, default=False
        If True, every feature is standardised to mean 0 and standard deviation 1
        over all 569 samples.  For a train/test experiment split first and use
        :func:`standardize` with the training statistics instead.
    return_X_y : bool, default=False
        If True return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data`` (569, 30) float64, ``target`` (569,) int64, ``feature_names``
        (30,) str, ``target_names`` ``["malignant", "benign"]``, ``DESCR`` str.
    (X, y) : tuple of ndarrays
        If ``return_X_y`` is True.

    Examples
    --------
    >>> from lrbook.datasets import load_breast_cancer
    >>> data = load_breast_cancer()
    >>> data.data.shape, data.target.shape
    ((569, 30), (569,))
    >>> data.target_names.tolist()
    ['malignant', 'benign']
    >>> X, y = load_breast_cancer(standardize=True, return_X_y=True)
    >>> bool(abs(X.mean(axis=0)).max() < 1e-12)
    True
    """
    from sklearn.datasets import load_breast_cancer as _load

    raw = _load()
    X = np.asarray(raw.data, dtype=np.float64)
    y = np.asarray(raw.target, dtype=np.int64)
    if standardize:
        X = _standardize_all(X)
    if return_X_y:
        return X, y
    return _bunch(
        data=X,
        target=y,
        feature_names=np.asarray(raw.feature_names, dtype=str),
        target_names=np.asarray(raw.target_names, dtype=str),
        DESCR=(
            "Wisconsin diagnostic breast cancer (WDBC), 569 samples x 30 real features "
            "computed from images of fine needle aspirates; target 0 = malignant (212), "
            "1 = benign (357). Copy shipped with scikit-learn"
            + ("; features standardised (mean 0, std 1)." if standardize else ".")
        ),
    )


def _normalise_name(name: str) -> str:
    return name.lower().replace("(cm)", "").strip().replace(" ", "_")


def _resolve(
    items: Sequence[int | str] | int | str,
    names: Sequence[str],
    param: str,
) -> list[int]:
    if isinstance(items, (str, numbers.Integral)):
        items = [items]
    try:
        seq = list(items)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{param} must be a sequence of indices or names, got {items!r}; e.g. {param}=(0, 1)"
        ) from None
    lookup = {_normalise_name(n): i for i, n in enumerate(names)}
    out: list[int] = []
    for item in seq:
        if isinstance(item, str):
            key = _normalise_name(item)
            if key not in lookup:
                raise ValueError(f"unknown name {item!r} in {param}; valid names are {list(names)}")
            idx = lookup[key]
        elif isinstance(item, numbers.Integral) and not isinstance(item, bool):
            idx = int(item)
            if not 0 <= idx < len(names):
                raise ValueError(
                    f"index {idx} in {param} is out of range; valid indices are "
                    f"0..{len(names) - 1} ({list(names)})"
                )
        else:
            raise TypeError(f"{param} entries must be ints or names, got {item!r}")
        if idx in out:
            raise ValueError(f"{param} lists {item!r} twice; give each entry once")
        out.append(idx)
    if not out:
        raise ValueError(f"{param} is empty; give at least one entry or leave it as None")
    return out


def load_iris(
    *,
    classes: Sequence[int | str] | None = None,
    features: Sequence[int | str] | None = None,
    return_X_y: bool = False,
) -> Bunch | tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Fisher's iris data (150 samples, 4 features, 3 classes), optionally a subset.

    Read from the copy shipped with scikit-learn (no download).  Classes are
    ``0 = "setosa"``, ``1 = "versicolor"``, ``2 = "virginica"`` (50 each).

    Parameters
    ----------
    classes : sequence of int or str, optional
        Keep only these classes, e.g. ``(0, 1)`` or ``("versicolor", "virginica")``.
        The labels are *renumbered* ``0 .. len(classes) - 1`` in the order given,
        so ``classes=("versicolor", "virginica")`` is a 0/1 problem with
        ``virginica = 1``; ``target_names`` follows the same order.
    features : sequence of int or str, optional
        Keep only these columns, in this order, by index or name.  Names may be
        written as in ``feature_names`` (``"petal length (cm)"``) or short
        (``"petal_length"``).  Two features give data for decision-region plots.
    return_X_y : bool, default=False
        If True return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data`` (n, d) float64, ``target`` (n,) int64, ``feature_names`` (d,),
        ``target_names`` (k,), ``DESCR`` str.
    (X, y) : tuple of ndarrays
        If ``return_X_y`` is True.

    Raises
    ------
    ValueError
        For an unknown class/feature name, an index out of range or a repeated entry.

    Examples
    --------
    >>> from lrbook.datasets import load_iris
    >>> load_iris().data.shape
    (150, 4)
    >>> d = load_iris(classes=("versicolor", "virginica"), features=("petal_length", "petal_width"))
    >>> d.data.shape, sorted(set(d.target.tolist())), d.target_names.tolist()
    ((100, 2), [0, 1], ['versicolor', 'virginica'])
    >>> d.feature_names.tolist()
    ['petal length (cm)', 'petal width (cm)']
    """
    from sklearn.datasets import load_iris as _load

    raw = _load()
    X = np.asarray(raw.data, dtype=np.float64)
    y = np.asarray(raw.target, dtype=np.int64)
    target_names = np.asarray(raw.target_names, dtype=str)
    feature_names = np.asarray(raw.feature_names, dtype=str)
    desc = "Fisher's iris data, copy shipped with scikit-learn"
    if classes is not None:
        cls = _resolve(classes, list(target_names), "classes")
        mask = np.isin(y, cls)
        remap = np.full(len(target_names), -1, dtype=np.int64)
        remap[cls] = np.arange(len(cls))
        X, y = X[mask], remap[y[mask]]
        target_names = target_names[cls]
        desc += f"; classes {list(target_names)} relabelled 0..{len(cls) - 1}"
    if features is not None:
        cols = _resolve(features, list(feature_names), "features")
        X = X[:, cols]
        feature_names = feature_names[cols]
        desc += f"; features {list(feature_names)}"
    X = np.ascontiguousarray(X)
    if return_X_y:
        return X, y
    return _bunch(
        data=X,
        target=y,
        feature_names=feature_names,
        target_names=target_names,
        DESCR=desc + f". {X.shape[0]} samples x {X.shape[1]} features.",
    )


# ---------------------------------------------------------------------------
# the original Wisconsin data (package data)
# ---------------------------------------------------------------------------
_ORIGINAL_FILE = "breast-cancer-wisconsin.data"
_ORIGINAL_FEATURES = (
    "clump_thickness",
    "uniformity_of_cell_size",
    "uniformity_of_cell_shape",
    "marginal_adhesion",
    "single_epithelial_cell_size",
    "bare_nuclei",
    "bland_chromatin",
    "normal_nucleoli",
    "mitoses",
)
_MISSING_CHOICES = ("median", "keep", "drop")


def _read_original() -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """Parse the raw file shipped in ``lrbook/data``: ids, features (NaN for ``?``), classes."""
    from importlib import resources

    text = resources.files("lrbook").joinpath("data", _ORIGINAL_FILE).read_text("ascii")
    ids, rows, classes = [], [], []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.strip().split(",")
        if len(fields) != 11:  # pragma: no cover - the shipped file is fixed
            raise ValueError(f"{_ORIGINAL_FILE} line {lineno}: expected 11 fields, got {line!r}")
        ids.append(int(fields[0]))
        rows.append([np.nan if f == "?" else float(f) for f in fields[1:10]])
        classes.append(int(fields[10]))
    return np.array(ids), np.array(rows, dtype=np.float64), np.array(classes)


def load_breast_cancer_original(
    *, missing: str = "median", return_X_y: bool = False, as_frame: bool = False
) -> Any:
    """The *original* Wisconsin breast cancer data (699 samples, 9 scores 1-10, 2 classes).

    This is the data set of the course material the book grew from (Wolberg &
    Mangasarian 1990, UCI; CC BY 4.0), read from the unmodified copy shipped
    inside lrbook (``lrbook/data/breast-cancer-wisconsin.data``, no download).
    It is *not* scikit-learn's 569 x 30 diagnostic set of
    :func:`load_breast_cancer`: the features are nine cytology scores from 1 to
    10 and the label coding is the other way round.

    The cleaning, applied in this order:

    1. the first column (the sample code number, an id, repeated for some
       patients) is dropped from ``data`` and kept as ``sample_ids``;
    2. the 16 values written ``?`` (all in ``bare_nuclei``) become missing;
       ``missing`` says what happens to them (by default each is replaced by
       the median of the non-missing values of its column);
    3. the classes ``2 = benign`` and ``4 = malignant`` become ``0`` and ``1``:
       **malignant = 1** (458 benign, 241 malignant).

    Parameters
    ----------
    missing : {"median", "keep", "drop"}, default="median"
        ``"median"``: replace each missing value by its column's median over the
        observed values (the course's choice).  ``"keep"``: leave NaN in place.
        ``"drop"``: drop the 16 incomplete rows (683 remain).
    return_X_y : bool, default=False
        If True return ``(X, y)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame with named columns and
        ``target`` a Series (pandas is imported only then).

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data`` (n, 9) float64, ``target`` (n,) int64 with malignant = 1,
        ``feature_names`` (9,), ``target_names`` ``["benign", "malignant"]``,
        ``sample_ids`` (n,) int64, ``missing_mask`` (699, 9) bool (where the
        raw file had ``?``, before any row was dropped), ``n_missing`` int (16),
        ``medians`` (9,) float64 (column medians over observed values),
        ``frame`` (DataFrame of data and target, or None), ``DESCR`` str.
    (X, y) : tuple
        If ``return_X_y`` is True (ndarrays, or DataFrame and Series with
        ``as_frame``).

    Raises
    ------
    ValueError
        If ``missing`` is not one of the three choices.

    Examples
    --------
    >>> from lrbook.datasets import load_breast_cancer_original
    >>> d = load_breast_cancer_original()
    >>> d.data.shape, d.n_missing, d.target_names.tolist()
    ((699, 9), 16, ['benign', 'malignant'])
    >>> d.feature_names[d.missing_mask.any(axis=0)].tolist()
    ['bare_nuclei']
    >>> d.target.sum().item(), float(d.medians[5])  # 241 malignant; median bare nuclei
    (241, 1.0)
    >>> load_breast_cancer_original(missing="drop", return_X_y=True)[0].shape
    (683, 9)
    """
    if missing not in _MISSING_CHOICES:
        raise ValueError(
            f"missing must be one of {list(_MISSING_CHOICES)}, got missing={missing!r}; "
            'use "median" to impute, "keep" for NaN or "drop" to remove the rows'
        )
    ids, X, classes = _read_original()
    mask = np.isnan(X)
    medians = np.nanmedian(X, axis=0)
    y = (classes == 4).astype(np.int64)  # 2 = benign -> 0, 4 = malignant -> 1
    if missing == "median":
        X = np.where(mask, medians, X)
    elif missing == "drop":
        keep = ~mask.any(axis=1)
        ids, X, y = ids[keep], X[keep], y[keep]
    feature_names = np.asarray(_ORIGINAL_FEATURES, dtype=str)
    frame = None
    data: Any = X
    target: Any = y
    if as_frame:
        import pandas as pd

        data = pd.DataFrame(X, columns=list(feature_names), index=pd.Index(ids, name="sample_id"))
        target = pd.Series(y, index=data.index, name="malignant")
        frame = data.assign(malignant=target)
    if return_X_y:
        return data, target
    return _bunch(
        data=data,
        target=target,
        frame=frame,
        feature_names=feature_names,
        target_names=np.asarray(["benign", "malignant"], dtype=str),
        sample_ids=ids,
        missing_mask=mask,
        n_missing=int(mask.sum()),
        medians=medians,
        DESCR=(
            f"Wisconsin breast cancer (original), {X.shape[0]} samples x 9 cytology scores "
            "(1-10); target 1 = malignant, 0 = benign. The raw file has "
            f"{int(mask.sum())} missing values ('?', all in bare_nuclei); "
            + {
                "median": "each was replaced by its column median.",
                "keep": "they are NaN here.",
                "drop": "their rows were dropped.",
            }[missing]
            + " Source: UCI, Wolberg & Mangasarian, PNAS 87 (1990) 9193-9196; CC BY 4.0."
        ),
    )


# ---------------------------------------------------------------------------
# toy data
# ---------------------------------------------------------------------------
def make_linear(
    n_samples: int = 100,
    weights: ArrayLike = (2.0, -3.0),
    bias: float = 1.0,
    noise: float = 0.0,
    random_state: RandomState = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Linear-regression data with known coefficients: ``y = X @ weights + bias + noise``.

    Features are drawn uniformly from ``[-2, 2)``; the noise is Gaussian with
    standard deviation ``noise``.  With ``noise=0`` the targets are exactly linear,
    so the normal equation on ``[1, X]`` recovers ``coef`` (up to rounding).

    Parameters
    ----------
    n_samples : int, default=100
        Number of rows (>= 1).
    weights : array-like of shape (n_features,), default=(2.0, -3.0)
        True weights; their number sets ``n_features`` (use ``(w,)`` for 1-D plots).
    bias : float, default=1.0
        True intercept.
    noise : float, default=0.0
        Standard deviation of the Gaussian noise added to ``y`` (>= 0).
    random_state : int, numpy.random.Generator or None, default=None
        Seed for reproducible data.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,), float64
    coef : ndarray of shape (n_features + 1,), float64
        True coefficients, intercept first: ``[bias, w_1, ..., w_d]``, matching a
        prepended column of ones (lrbook's parameter convention).

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.datasets import make_linear
    >>> X, y, coef = make_linear(50, weights=(2.0, -3.0), bias=1.0, random_state=0)
    >>> coef
    array([ 1.,  2., -3.])
    >>> X1 = np.column_stack([np.ones(len(X)), X])
    >>> np.allclose(np.linalg.solve(X1.T @ X1, X1.T @ y), coef)
    True
    """
    n = _check_n_samples(n_samples)
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1 or w.size == 0 or not np.all(np.isfinite(w)):
        raise ValueError(
            f"weights must be a non-empty 1-D sequence of finite numbers, got {weights!r}; "
            "e.g. weights=(2.0, -3.0)"
        )
    if isinstance(bias, bool) or not isinstance(bias, numbers.Real) or not np.isfinite(bias):
        raise ValueError(f"bias must be a finite number, got bias={bias!r}")
    sd = _check_nonneg_float(noise, "noise")
    rng = _rng(random_state)
    X = rng.uniform(-2.0, 2.0, size=(n, w.size))
    y = X @ w + float(bias)
    if sd > 0:
        y = y + rng.normal(0.0, sd, size=n)
    return X, y, np.concatenate([[float(bias)], w])


def _split_counts(n: int, k: int) -> NDArray[np.int64]:
    counts = np.full(k, n // k, dtype=np.int64)
    counts[: n % k] += 1
    return counts


def make_blobs(
    n_samples: int = 100,
    *,
    centers: int | ArrayLike = 2,
    separation: float = 3.0,
    scale: float = 1.0,
    separable: bool = False,
    random_state: RandomState = None,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Gaussian blobs in 2-D, one per class, with (near) equal class sizes.

    With ``centers=2`` the two centres sit at ``(-s/2, -s/2)/sqrt(2)`` and
    ``(s/2, s/2)/sqrt(2)``, a distance ``s = separation`` apart; ``K > 2``
    centres are spaced evenly on a circle so that neighbours are ``separation``
    apart.  ``separation`` large relative to ``scale`` gives well separated
    classes, small gives overlapping ones.  ``separable=True`` additionally
    rejects every point that lies closer to another class's centre, which makes
    the classes *linearly* separable (the nearest-centre regions are convex
    polygons) whatever the scale.

    Parameters
    ----------
    n_samples : int, default=100
        Total number of points (>= number of classes); classes differ in size by at most 1.
    centers : int or array-like of shape (K, 2), default=2
        Number of classes, or the centres themselves (then ``separation`` is unused).
    separation : float, default=3.0
        Distance between neighbouring centres (> 0).
    scale : float, default=1.0
        Standard deviation of every blob (>= 0).
    separable : bool, default=False
        Guarantee linear separability by rejection sampling (see above).
    random_state : int, numpy.random.Generator or None, default=None
        Seed for reproducible data.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64
        Labels ``0 .. K-1`` in shuffled order.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.datasets import make_blobs
    >>> X, y = make_blobs(100, separation=4.0, random_state=0)
    >>> X.shape, np.bincount(y).tolist()
    ((100, 2), [50, 50])
    >>> X, y = make_blobs(90, centers=3, separable=True, random_state=1)
    >>> np.bincount(y).tolist()
    [30, 30, 30]
    """
    n = _check_n_samples(n_samples)
    sep = _check_positive_float(separation, "separation")
    sd = _check_nonneg_float(scale, "scale")
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = int(centers)
        if k < 2:
            raise ValueError(f"centers must be >= 2 classes, got centers={k}")
        if k == 2:
            c = np.array([[-1.0, -1.0], [1.0, 1.0]]) * sep / (2 * np.sqrt(2))
        else:
            radius = sep / (2 * np.sin(np.pi / k))
            angles = np.pi / 2 + 2 * np.pi * np.arange(k) / k
            c = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    else:
        c = np.asarray(centers, dtype=np.float64)
        if c.ndim != 2 or c.shape[1] != 2 or c.shape[0] < 2 or not np.all(np.isfinite(c)):
            raise ValueError(
                "centers must be an int >= 2 or a finite array of shape (K, 2) with K >= 2, "
                f"got {centers!r}"
            )
        k = c.shape[0]
    if n < k:
        raise ValueError(
            f"n_samples={n} is smaller than the number of classes {k}; "
            "ask for at least one point per class"
        )
    rng = _rng(random_state)
    counts = _split_counts(n, k)
    parts = []
    for j in range(k):
        need = int(counts[j])
        got: list[NDArray[np.float64]] = []
        while need > 0:
            pts = c[j] + sd * rng.standard_normal(size=(max(need, 16), 2))
            if separable and sd > 0:
                d2 = ((pts[:, None, :] - c[None, :, :]) ** 2).sum(axis=-1)
                pts = pts[np.argmin(d2, axis=1) == j]
            pts = pts[:need]
            got.append(pts)
            need -= len(pts)
        parts.append(np.concatenate(got))
    X = np.concatenate(parts)
    y = np.repeat(np.arange(k, dtype=np.int64), counts)
    order = rng.permutation(n)
    return np.ascontiguousarray(X[order]), y[order]


def make_xor(
    n_samples: int = 200,
    *,
    noise: float = 0.1,
    random_state: RandomState = None,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The XOR problem: four quadrants, label 1 where the two coordinates differ in sign.

    Points are spread evenly over the four quadrants of ``[-1, 1]^2`` (uniform
    within a quadrant), labelled by quadrant: ``y = 1`` in the second and fourth
    quadrant, ``y = 0`` in the first and third, then Gaussian noise of standard
    deviation ``noise`` is added to the coordinates (labels stay), so larger noise
    blurs the quadrant borders.  No line separates the classes, so a logistic
    regression stays near chance while a one-hidden-layer network succeeds.

    Parameters
    ----------
    n_samples : int, default=200
        Number of points (>= 1); the classes differ in size by at most 2.
    noise : float, default=0.1
        Standard deviation of the Gaussian noise (>= 0).
    random_state : int, numpy.random.Generator or None, default=None
        Seed for reproducible data.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.datasets import make_xor
    >>> X, y = make_xor(200, noise=0.0, random_state=0)
    >>> np.bincount(y).tolist()
    [100, 100]
    >>> bool(np.all((X[:, 0] * X[:, 1] < 0) == (y == 1)))
    True
    """
    n = _check_n_samples(n_samples)
    sd = _check_nonneg_float(noise, "noise")
    rng = _rng(random_state)
    counts = _split_counts(n, 4)
    signs = np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])
    quad = np.repeat(np.arange(4), counts)
    # magnitudes in (0, 1]: never exactly on an axis, so the noise-free labels are unambiguous
    mags = 1.0 - rng.uniform(0.0, 1.0, size=(n, 2))
    X = signs[quad] * mags
    if sd > 0:
        X = X + sd * rng.standard_normal(size=(n, 2))
    y = (quad % 2).astype(np.int64)
    order = rng.permutation(n)
    return np.ascontiguousarray(X[order]), y[order]


def make_moons(
    n_samples: int = 200,
    *,
    noise: float = 0.1,
    random_state: RandomState = None,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Two interleaving half circles (scikit-learn's ``make_moons``), seeded.

    Parameters
    ----------
    n_samples : int, default=200
        Number of points (>= 2); the two moons get ``ceil(n/2)`` and ``floor(n/2)``.
    noise : float, default=0.1
        Standard deviation of the Gaussian noise (>= 0).
    random_state : int, numpy.random.Generator or None, default=None
        Seed for reproducible data (a Generator is turned into an int seed).

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.datasets import make_moons
    >>> X, y = make_moons(100, noise=0.1, random_state=0)
    >>> X.shape, np.bincount(y).tolist()
    ((100, 2), [50, 50])
    """
    from sklearn.datasets import make_moons as _make_moons

    n = _check_n_samples(n_samples, minimum=2)
    sd = _check_nonneg_float(noise, "noise")
    seed = int(_rng(random_state).integers(2**31 - 1))
    X, y = _make_moons(n_samples=n, noise=sd, random_state=seed)
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


def train_test_split(
    *arrays: Any,
    test_size: float | int | None = None,
    train_size: float | int | None = None,
    random_state: int | None = None,
    shuffle: bool = True,
    stratify: ArrayLike | None = None,
) -> list[Any]:
    """Split arrays into random train and test subsets (scikit-learn's function).

    This is :func:`sklearn.model_selection.train_test_split` with the same
    arguments and behaviour, re-exported so that the book only imports from
    lrbook; scikit-learn is imported on first call.  Pass ``random_state`` for a
    reproducible split and ``stratify=y`` to keep the class proportions.

    Parameters
    ----------
    *arrays : sequence of array-likes with the same first dimension
        Typically ``X, y``.
    test_size : float or int, optional
        Fraction (0..1) or number of test samples; 0.25 if both sizes are None.
    train_size : float or int, optional
        Fraction or number of training samples.
    random_state : int, optional
        Seed of the shuffle.
    shuffle : bool, default=True
        Shuffle before splitting.
    stratify : array-like, optional
        Class labels for a stratified split.

    Returns
    -------
    list
        ``[X_train, X_test, y_train, y_test, ...]`` (two entries per input array).

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.datasets import train_test_split
    >>> X, y = np.arange(20.0).reshape(10, 2), np.arange(10) % 2
    >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0)
    >>> X_tr.shape, X_te.shape
    ((7, 2), (3, 2))
    """
    from sklearn.model_selection import train_test_split as _split

    return list(
        _split(
            *arrays,
            test_size=test_size,
            train_size=train_size,
            random_state=random_state,
            shuffle=shuffle,
            stratify=stratify,
        )
    )
