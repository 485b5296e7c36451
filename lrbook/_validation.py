"""Argument checks for the whole package: one meaning for each kind of argument.

Every public function and estimator of lrbook validates its arguments here, at the
public boundary, and nowhere else. Each check names the parameter, shows what came in
and says how to fix it (scikit-learn's style), and returns the value in the form the
caller uses (``check_learning_rate`` returns a float, ``check_int`` an int, ...).

The same kind of argument has the same rules everywhere:

* a boolean is never accepted as a number, and a string is never parsed as a number
  or a boolean (``alpha=True``, ``alpha="0.5"`` and ``fit_intercept="no"`` are refused);
* real hyperparameters are finite unless said otherwise (NaN is never accepted);
* arrays of numbers keep float16/float32/float64 and turn integers and booleans into
  float64 (:func:`as_float_array`);
* ``random_state`` accepts what :func:`sklearn.utils.check_random_state` accepts plus
  a :class:`numpy.random.Generator`.

Estimators declare their hyperparameters once, as a mapping from name to check
(:data:`Constraints`, scikit-learn's ``_parameter_constraints`` idea), and
:func:`validate_params` runs them.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Constraints",
    "as_float_array",
    "check_X",
    "check_alpha",
    "check_axis",
    "check_binary_targets",
    "check_bool",
    "check_callback",
    "check_choice",
    "check_class_targets",
    "check_finite",
    "check_function",
    "check_int",
    "check_learning_rate",
    "check_lr_decay",
    "check_numbers",
    "check_points",
    "check_random_state",
    "check_range",
    "check_real",
    "check_tol",
    "check_vector",
    "check_weights",
    "validate_params",
]

FloatArray = NDArray[np.floating[Any]]

#: Keys of the network parameters, in the order of their flat vector.
MLP_KEYS = ("W1", "b1", "W2", "b2")

#: Hyperparameter name -> check ``(value, name) -> validated value``.
Constraints = Mapping[str, Callable[[Any, str], Any]]


# ============================================================================ scalars
def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def check_real(
    value: object,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    finite: bool = True,
    hint: str = "",
) -> float:
    """A real number (never a bool or a string) in ``[low, high]`` (``(low, ...`` if ``low_open``).

    Examples
    --------
    >>> check_real(0.5, "eps", low=0, low_open=True)
    0.5
    >>> check_real(True, "alpha")
    Traceback (most recent call last):
    ...
    TypeError: alpha must be a real number, got alpha=True (type bool)
    """
    bounds = []
    if low is not None:
        bounds.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        bounds.append(f"<= {high:g}")
    what = ("a finite number" if finite else "a number") if bounds else "a real number"
    what += (" " + " and ".join(bounds)) if bounds else ""
    tail = f"; {hint}" if hint else ""
    if not _is_real(value):
        raise TypeError(
            f"{name} must be {what}, got {name}={value!r} (type {type(value).__name__}){tail}"
        )
    v = float(value)  # type: ignore[arg-type]
    ok = not math.isnan(v) and (math.isfinite(v) or not finite)
    if low is not None:
        ok = ok and (v > low if low_open else v >= low)
    if high is not None:
        ok = ok and v <= high
    if not ok:
        raise ValueError(f"{name} must be {what}, got {name}={value!r}{tail}")
    return v


def check_alpha(alpha: object, name: str = "alpha") -> float:
    """L2 strength on the mean loss: a finite number >= 0 (never a bool or a string)."""
    return check_real(
        alpha,
        name,
        low=0,
        hint="alpha is the L2 strength on the mean loss; scikit-learn's C corresponds to "
        "alpha = 1 / (C * n_samples)",
    )


def check_learning_rate(learning_rate: object, name: str = "learning_rate") -> float:
    if not _is_real(learning_rate):
        raise TypeError(
            f"{name} must be a positive finite number, got {learning_rate!r} "
            f"(type {type(learning_rate).__name__}); pass e.g. {name}=0.1"
        )
    lr = float(learning_rate)  # type: ignore[arg-type]
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(
            f"{name} must be a positive finite number, got {name}={learning_rate!r}; "
            f"pass e.g. {name}=0.1"
        )
    return lr


def check_int(value: object, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer >= {minimum}, got {value!r} "
            f"(type {type(value).__name__}); pass e.g. {name}={max(minimum, 100)}"
        )
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {name}={value!r}")
    return int(value)


def check_tol(tol: object, name: str = "tol") -> float:
    if not _is_real(tol):
        raise TypeError(
            f"{name} must be a non-negative number, got {tol!r} (type {type(tol).__name__})"
        )
    t = float(tol)  # type: ignore[arg-type]
    if not (t >= 0 and math.isfinite(t)):
        raise ValueError(f"{name} must be a finite number >= 0, got {name}={tol!r}")
    return t


def check_lr_decay(lr_decay: object, name: str = "lr_decay") -> float:
    if not _is_real(lr_decay):
        raise TypeError(f"{name} must be a number >= 0, got {lr_decay!r}")
    value = float(lr_decay)  # type: ignore[arg-type]
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {name}={lr_decay!r}")
    return value


def check_callback(callback: object, name: str = "callback") -> None:
    if callback is not None and not callable(callback):
        raise TypeError(f"{name} must be callable or None, got {callback!r}")


def check_function(value: object, name: str, signature: str | None = None) -> None:
    """A callable (a function to evaluate, never None); ``signature`` shows the expected call."""
    if not callable(value):
        if signature is not None:
            raise TypeError(f"{name} must be a callable {signature}, got {value!r}")
        raise TypeError(
            f"{name} must be a function, got {name}={value!r} (type {type(value).__name__})"
        )


def check_bool(value: object, name: str) -> bool:
    """``True`` or ``False`` (NumPy booleans too); never a string, a number or None."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(
            f"{name} must be True or False, got {name}={value!r} (type {type(value).__name__})"
        )
    return bool(value)


def check_choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    """One of the strings ``choices`` (exactly, case-sensitive)."""
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}, got {name}={value!r}")
    return value


def check_random_state(random_state: object, name: str = "random_state") -> Any:
    """None, an int >= 0, a ``numpy.random.Generator`` or a ``numpy.random.RandomState``.

    Returns a value :func:`numpy.random.default_rng` accepts: None and ints and
    Generators unchanged (so an int seed gives the same stream as before), and a
    ``RandomState`` turned into a Generator seeded from it (consuming one draw,
    as scikit-learn's estimators consume their ``RandomState``).
    """
    if random_state is None or isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(int(random_state.randint(0, 2**31 - 1)))
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool | np.bool_):
        if random_state < 0:
            raise ValueError(f"{name} must be a non-negative int, got {name}={random_state!r}")
        return int(random_state)
    raise TypeError(
        f"{name} must be None, an int, a numpy.random.Generator or a numpy.random.RandomState, "
        f"got {name}={random_state!r}; pass e.g. {name}=0 for reproducible results"
    )


def check_axis(axis: object, ndim: int, name: str = "axis") -> tuple[int, ...]:
    """An int, a tuple of distinct ints or None (every axis), as NumPy's reductions take.

    Returns the axes as non-negative ints (``()`` for a 0-d array with axis None, -1 or 0).
    """
    if axis is None:
        return tuple(range(ndim))
    items = axis if isinstance(axis, tuple) else (axis,)
    if not items or not all(
        isinstance(a, numbers.Integral) and not isinstance(a, bool | np.bool_) for a in items
    ):
        raise TypeError(
            f"{name} must be an int, a non-empty tuple of ints or None, got {name}={axis!r}"
        )
    if ndim == 0:
        if all(int(a) in (0, -1) for a in items):
            return ()
        raise ValueError(f"{name}={axis!r} is out of bounds for a 0-d input; use {name}=None")
    out = []
    for a in items:
        if not -ndim <= int(a) < ndim:
            raise ValueError(
                f"{name}={axis!r} is out of bounds for an input with {ndim} dimension(s); "
                f"use an axis in [{-ndim}, {ndim - 1}] or {name}=None"
            )
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}={axis!r} repeats an axis")
    return tuple(out)


def check_range(value: object, name: str) -> tuple[float, float]:
    """A pair ``(low, high)`` of finite real numbers with ``low < high``."""
    try:
        a, b = cast("Any", value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (low, high), got {name}={value!r}") from None
    if not (_is_real(a) and _is_real(b)):
        raise TypeError(f"{name} must be a pair of real numbers (low, high), got {name}={value!r}")
    lo, hi = float(a), float(b)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must be finite with low < high, got {name}={value!r}")
    return lo, hi


def check_numbers(value: object, name: str) -> list[float]:
    """None, a real number or a sequence of real numbers -> list of finite floats."""
    if value is None:
        return []
    values = [value] if _is_real(value) else value
    if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a number or a sequence of numbers, got {name}={value!r}")
    items = list(values)
    if not all(_is_real(v) for v in items):
        raise TypeError(f"{name} must be a number or a sequence of numbers, got {name}={value!r}")
    out = [float(v) for v in items]
    if not all(math.isfinite(v) for v in out):
        raise ValueError(f"{name} must be finite, got {name}={value!r}")
    return out


def validate_params(params: Mapping[str, Any], constraints: Constraints) -> dict[str, Any]:
    """Run each declared check on its parameter; return the validated values by name."""
    return {name: check(params[name], name) for name, check in constraints.items()}


# ============================================================================ arrays
def as_float_array(x: ArrayLike, name: str) -> FloatArray:
    """``x`` as a floating array: float16/32/64 kept, integers and booleans -> float64.

    Sparse matrices, complex, string and object arrays are refused with a message
    naming ``name``.
    """
    if hasattr(x, "tocsr") or hasattr(x, "toarray"):
        raise TypeError(
            f"{name} is a sparse matrix ({type(x).__name__}); lrbook needs a dense array: "
            f"pass {name}.toarray()"
        )
    arr = np.asarray(x)
    if arr.dtype.kind == "f":
        return arr
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    raise TypeError(
        f"{name} must be a real numeric array, got dtype {arr.dtype!s}; "
        f"convert it with np.asarray({name}, dtype=float)"
    )


def check_finite(arr: np.ndarray, name: str) -> None:
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s); remove or impute them "
            "(e.g. with sklearn.impute.SimpleImputer) before computing the loss"
        )


def check_X(X: ArrayLike, name: str = "X", check_finite_values: bool = True) -> FloatArray:
    """A non-empty 2-D real array of shape (n_samples, n_features)."""
    arr = as_float_array(X, name)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_features), got an array of "
            f"shape {arr.shape}; reshape a single feature with {name}.reshape(-1, 1) or a "
            f"single sample with {name}.reshape(1, -1)"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} has 0 samples (shape {arr.shape}); at least one is required")
    if check_finite_values:
        check_finite(arr, name)
    return arr


def check_vector(
    values: ArrayLike, name: str, *, allow_nonfinite: bool = False
) -> NDArray[np.float64]:
    """A non-empty 1-D real array (a row or column of a 2-D array is flattened) as float64."""
    arr = np.asarray(values)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; pass at least one value")
    if not allow_nonfinite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf; pass finite values")
    return arr


def check_points(values: ArrayLike, name: str, what: str, hint: str) -> NDArray[np.float64]:
    """A non-empty finite real array of shape (n, 2), e.g. points of a plane or a 2-D path."""
    arr = np.asarray(values)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] == 0:
        raise ValueError(f"{name} must have shape {what}, got {arr.shape}; {hint}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf; pass finite values")
    return arr


def check_nonempty(arr: np.ndarray, name: str) -> None:
    if arr.shape[0] == 0:
        raise ValueError(
            f"{name} is empty (shape {arr.shape}): a mean over 0 samples is undefined; "
            "pass at least one sample"
        )


def _show_values(arr: np.ndarray) -> str:
    vals = np.unique(arr[~np.isnan(arr)]) if arr.dtype.kind == "f" else np.unique(arr)
    shown = ", ".join(repr(v.item()) for v in vals[:5])
    more = ", ..." if vals.size > 5 else ""
    nan = " and NaN" if arr.dtype.kind == "f" and np.isnan(arr).any() else ""
    return f"[{shown}{more}]{nan}"


def check_binary_targets(y: ArrayLike, n: int, dtype: np.dtype, name: str = "y") -> FloatArray:
    """0/1 labels of shape (n,) (or (n, 1)) -> float array of ``dtype``."""
    arr = as_float_array(y, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D array of 0/1 labels of shape (n_samples,), got shape "
            f"{arr.shape}; flatten it with np.ravel({name})"
        )
    if arr.shape[0] != n:
        raise ValueError(
            f"{name} has {arr.shape[0]} entries but there are {n} samples; pass one label per row"
        )
    if not np.all((arr == 0) | (arr == 1)):
        raise ValueError(
            f"{name} must contain only 0 and 1, got values {_show_values(arr)}; encode the "
            f"classes first, e.g. y01 = (y == positive_class).astype(float)"
        )
    return arr.astype(dtype, copy=False)


def check_class_targets(
    Y: ArrayLike, n: int, n_classes: int | None, dtype: np.dtype, name: str = "y"
) -> FloatArray:
    """Integer labels (n,) in [0, K) or one-hot / probability rows (n, K) -> (n, K) float."""
    arr = np.asarray(Y)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must hold integer class labels or one-hot rows, got dtype {arr.dtype!s}; "
            "encode string labels first, e.g. with np.unique(y, return_inverse=True)"
        )
    if arr.ndim == 0 or arr.ndim > 2:
        raise ValueError(
            f"{name} must be integer labels of shape (n_samples,) or one-hot rows of shape "
            f"(n_samples, n_classes), got shape {arr.shape}"
        )
    if arr.shape[0] != n:
        raise ValueError(
            f"{name} has {arr.shape[0]} rows but there are {n} samples; pass one target per row"
        )
    if arr.ndim == 1:
        if n_classes is None:
            raise ValueError(
                f"{name} holds integer labels, so the number of classes is unknown here; "
                "pass one-hot rows of shape (n_samples, n_classes) instead"
            )
        ok = np.isfinite(arr) & (arr >= 0) & (arr < n_classes) & (arr == np.round(arr))
        if not np.all(ok):
            raise ValueError(
                f"{name} must contain integer labels in [0, {n_classes}) (one per class of "
                f"the logits), got values {_show_values(arr.astype(np.float64))}; "
                "encode labels as 0..K-1, e.g. with np.unique(y, return_inverse=True)"
            )
        onehot = np.zeros((n, n_classes), dtype=dtype)
        onehot[np.arange(n), arr.astype(np.intp)] = 1
        return onehot
    if n_classes is not None and arr.shape[1] != n_classes:
        raise ValueError(
            f"{name} has {arr.shape[1]} columns but the logits have {n_classes} classes; "
            "one-hot rows need one column per class"
        )
    farr = arr.astype(dtype, copy=False)
    check_finite(farr, name)
    tol = 1e-6 if dtype == np.float32 else 1e-10
    if np.any(farr < 0) or not np.allclose(farr.sum(axis=1), 1.0, rtol=0, atol=tol):
        raise ValueError(
            f"{name} has shape {arr.shape} but its rows are not one-hot (entries >= 0 summing "
            "to 1); pass integer labels of shape (n_samples,) or a valid one-hot encoding"
        )
    return farr


def raise_all_zero_weights() -> None:
    """The error for weights that are all zero (the weighted mean loss is undefined)."""
    raise ValueError(
        "every sample_weight is zero, so the weighted mean loss is undefined; "
        "give at least one sample a positive weight"
    )


def check_weights(
    sample_weight: ArrayLike | None, n: int, dtype: np.dtype, *, allow_all_zero: bool = False
) -> FloatArray | None:
    """``sample_weight``: None or ``n`` finite nonnegative weights, not all zero.

    ``allow_all_zero=True`` is for one chunk of a larger data set (Dask), where only
    the total must be positive. (Named differently from scikit-learn's private
    ``_check_sample_weight`` on purpose.)
    """
    if sample_weight is None:
        return None
    sw = as_float_array(sample_weight, "sample_weight")
    if sw.ndim == 0:
        raise ValueError(
            f"sample_weight must be None or a 1-D array of shape ({n},), got the scalar "
            f"{sample_weight!r}; pass one nonnegative weight per sample"
        )
    if sw.ndim != 1 or sw.shape[0] != n:
        raise ValueError(
            f"sample_weight must be None or a 1-D array of shape ({n},), got shape {sw.shape}; "
            "pass one nonnegative weight per sample"
        )
    check_finite(sw, "sample_weight")
    if np.any(sw < 0):
        raise ValueError(
            f"sample_weight must be nonnegative, got minimum {float(sw.min())!r}; "
            "drop the samples instead of giving them negative weight"
        )
    if not allow_all_zero and not np.any(sw > 0):
        raise_all_zero_weights()
    return sw.astype(dtype, copy=False)


def weights_mean_one(sw: FloatArray) -> FloatArray:
    """Weights rescaled to mean 1: the minimiser of a weighted mean does not change.

    Weights whose sum overflows (e.g. all 1e308) are first divided by their maximum,
    so the result is always finite.
    """
    with np.errstate(over="ignore"):  # an overflowing sum is handled just below
        total = float(np.sum(sw, dtype=np.float64))
    if not math.isfinite(total):
        sw = sw / sw.max()
        total = float(np.sum(sw, dtype=np.float64))
    return sw * (sw.shape[0] / total)


def check_linear_params(
    params: ArrayLike, n_features: int, fit_intercept: bool, multinomial: bool
) -> FloatArray:
    """Validate the shape of linear-model ``params`` (intercept first) and return them."""
    p = as_float_array(params, "params")
    rows = n_features + 1 if fit_intercept else n_features
    if multinomial:
        if p.ndim != 2:
            raise ValueError(
                f"params must be a 2-D array of shape (n_features{' + 1' if fit_intercept else ''}, "
                f"n_classes) (intercepts in row 0), got shape {p.shape}"
            )
        expected: tuple[int, ...] = (rows, p.shape[1])
        layout = "row 0 = intercepts, rows 1.. = W" if fit_intercept else "W"
    else:
        expected = (rows,)
        layout = "[b, w_1, ..., w_d]" if fit_intercept else "[w_1, ..., w_d]"
    if p.shape != expected:
        raise ValueError(
            f"params must have shape {expected} ({layout}; intercept first) for X with "
            f"{n_features} features and fit_intercept={fit_intercept}, got shape {p.shape}"
        )
    check_finite(p, "params")
    return p


def check_mlp_params(
    params: Mapping[str, ArrayLike], n_features: int | None
) -> dict[str, FloatArray]:
    """Network parameters ``{"W1": (d, h), "b1": (h,), "W2": (h, o), "b2": (o,)}``, finite."""
    if not isinstance(params, Mapping):
        raise TypeError(
            f"params must be a dict with keys {list(MLP_KEYS)} (as returned by mlp_init), "
            f"got {type(params).__name__}"
        )
    missing = [k for k in MLP_KEYS if k not in params]
    if missing:
        raise ValueError(
            f"params is missing {missing}; it needs keys {list(MLP_KEYS)} as returned by mlp_init"
        )
    out = {k: as_float_array(params[k], f"params[{k!r}]") for k in MLP_KEYS}
    W1, W2 = out["W1"], out["W2"]
    if W1.ndim != 2 or W2.ndim != 2:
        raise ValueError(
            f"params['W1'] and params['W2'] must be 2-D, got shapes {W1.shape} and {W2.shape}"
        )
    d, h = W1.shape
    o = W2.shape[1]
    expected = {"W1": (d, h), "b1": (h,), "W2": (h, o), "b2": (o,)}
    for k in MLP_KEYS:
        if out[k].shape != expected[k]:
            raise ValueError(
                f"params[{k!r}] must have shape {expected[k]} for W1 of shape {W1.shape} and "
                f"W2 with {o} outputs, got {out[k].shape}; create consistent parameters with "
                "mlp_init(n_features, hidden_units, n_outputs)"
            )
    if n_features is not None and d != n_features:
        raise ValueError(
            f"params['W1'] has {d} rows but X has {n_features} features; "
            f"initialise with mlp_init({n_features}, hidden_units, n_outputs)"
        )
    for k in MLP_KEYS:
        check_finite(out[k], f"params[{k!r}]")
    return out


def check_targets(y: NDArray[Any]) -> None:
    """scikit-learn's ``check_classification_targets``, skipped where its answer is known.

    A 1-D array of integers or booleans is always of type ``"binary"`` or
    ``"multiclass"`` for :func:`sklearn.utils.multiclass.type_of_target`, both
    accepted, which it would spend a hashing pass over ``y`` (``np.unique``) to
    tell apart; :func:`encode_labels` counts the classes anyway. Every other ``y``
    (floats, strings, objects, 2-D) goes to scikit-learn, whose messages users know.

    Examples
    --------
    >>> import numpy as np
    >>> check_targets(np.array([0, 1, 1]))
    >>> check_targets(np.array([0.5, 1.0]))
    Traceback (most recent call last):
    ...
    ValueError: Unknown label type: continuous. ...
    """
    if y.ndim == 1 and y.dtype.kind in "biu":
        return
    from sklearn.utils.multiclass import check_classification_targets

    check_classification_targets(y)


def encode_labels(y: NDArray[Any]) -> tuple[NDArray[Any], NDArray[np.intp]]:
    """``np.unique(y, return_inverse=True)``: the sorted classes and each label's code.

    Integer labels in a range not much wider than their count (the usual 0/1 or
    0..K-1) are counted in a few linear passes instead of sorted: the same classes
    (same dtype) and codes.

    Examples
    --------
    >>> import numpy as np
    >>> encode_labels(np.array([3, 1, 3, 2]))
    (array([1, 2, 3]), array([2, 0, 2, 1]))
    >>> encode_labels(np.array(["b", "a", "b"]))
    (array(['a', 'b'], dtype='<U1'), array([1, 0, 1]))
    """
    y = np.asarray(y)
    if y.dtype.kind in "iu" and y.ndim == 1 and y.size:
        lo, hi = int(y.min()), int(y.max())
        if hi - lo <= 4 * y.size + 1024 and hi <= np.iinfo(np.intp).max:
            shifted = y.astype(np.intp)  # a copy: the shift cannot overflow y's own dtype
            shifted -= lo
            present = np.bincount(shifted, minlength=hi - lo + 1) > 0
            classes = (np.flatnonzero(present) + lo).astype(y.dtype)
            lookup = np.cumsum(present, dtype=np.intp) - 1
            return classes, lookup[shifted]
    classes, codes = np.unique(y, return_inverse=True)
    return classes, codes.astype(np.intp, copy=False).reshape(-1)
