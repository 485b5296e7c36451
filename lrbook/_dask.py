"""Fitting and predicting on Dask arrays, one pass over the data per objective evaluation.

The estimators of :mod:`lrbook.models` accept a ``dask.array.Array`` for ``X`` (and
``y``, ``sample_weight``) with the ``"newton"`` and ``"gd"`` solvers. The data stay in
chunks of rows; only the parameters (``p`` or ``p x K`` numbers) live on the client:

- every evaluation of the objective is **one** ``dask.compute`` of per-chunk partial
  sums (loss, gradient and, for Newton, Hessian), each computed by lrbook's own NumPy
  objective on its chunk, so every stability guarantee of the kernels carries over;
  the client adds the partial sums in chunk order and applies the mean and the penalty;
- validation (finite values, label types, sample weights) runs inside the chunks, in
  one extra pass at the start of ``fit``; ``X`` is never loaded into memory whole;
- ``predict``, ``predict_proba``, ``decision_function`` on a Dask array return lazy Dask
  arrays (``map_blocks``).

Dask is an optional dependency (``pip install "lrbook[dask]"``): this module imports it
only inside its functions, and ``import lrbook`` never imports this module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ChunkedData",
    "ChunkedObjective",
    "DaskLinearObjective",
    "chunked_data",
    "fit_linear_classifier",
    "is_dask_collection",
    "map_rows",
]

FloatArray = NDArray[np.float64]

#: Per-chunk partial sums: ``f(params, X_b, t_b, s_b) -> tuple of arrays/floats``.
PartialSums = Callable[..., tuple[Any, ...]]


def is_dask_collection(obj: object) -> bool:
    """Whether ``obj`` is a Dask collection, decided without importing Dask.

    Examples
    --------
    >>> import numpy as np
    >>> is_dask_collection(np.ones(3))
    False
    """
    return type(obj).__module__.split(".", 1)[0] == "dask" and hasattr(obj, "__dask_graph__")


def _import_dask() -> Any:
    try:
        import dask
        import dask.array
    except ImportError as err:  # pragma: no cover - the extra is installed in the tests
        raise ImportError('Fitting on Dask arrays needs Dask: pip install "lrbook[dask]"') from err
    return dask


def _known_row_chunks(arr: Any, name: str) -> tuple[int, ...]:
    rows = arr.chunks[0]
    if any(not np.isfinite(c) for c in rows):
        raise ValueError(
            f"{name} has unknown chunk sizes ({name}.chunks[0] contains NaN), e.g. after "
            f"boolean indexing; call {name} = {name}.compute_chunk_sizes() before fitting"
        )
    return tuple(int(c) for c in rows)


def _aligned(vec: Any, name: str, row_chunks: tuple[int, ...], n_samples: int) -> Any:
    """``vec`` (NumPy, list or Dask, 1-D) as a Dask array with the row chunks of ``X``."""
    da = _import_dask().array
    if is_dask_collection(vec):
        if vec.ndim != 1:
            raise ValueError(
                f"{name} must be 1-D of shape (n_samples,), got a Dask array of shape "
                f"{vec.shape}; pass {name}.ravel() for a column vector"
            )
        _known_row_chunks(vec, name)
        if vec.shape[0] != n_samples:
            raise ValueError(
                f"{name} has {vec.shape[0]} entries but X has {n_samples} rows; they must match"
            )
        return vec if vec.chunks[0] == row_chunks else vec.rechunk((row_chunks,))
    arr = np.asarray(vec)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D of shape (n_samples,), got shape {arr.shape}")
    if arr.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {arr.shape[0]} entries but X has {n_samples} rows; they must match"
        )
    return da.from_array(arr, chunks=(row_chunks,))


@dataclass(frozen=True)
class ChunkedData:
    """``X``, ``y`` and sample weights as aligned lists of delayed row chunks.

    Attributes
    ----------
    X, y, sample_weight : list
        One ``dask.delayed`` object per chunk of rows (``sample_weight`` is a list of
        ``None`` when no weights were given).
    n_samples, n_features : int
    row_chunks : tuple of int
        Number of rows of each chunk.
    """

    X: list[Any]
    y: list[Any]
    sample_weight: list[Any]
    n_samples: int
    n_features: int
    row_chunks: tuple[int, ...]


def chunked_data(X: Any, y: Any, sample_weight: Any = None) -> ChunkedData:
    """Check shapes and chunking of Dask inputs and split them into aligned row chunks.

    Nothing is computed here: values are checked per chunk by :meth:`ChunkedObjective.scan`.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Chunked along rows (columns are merged into one chunk).
    y : dask.array.Array or array-like of shape (n_samples,)
    sample_weight : dask.array.Array or array-like of shape (n_samples,), default=None

    Returns
    -------
    ChunkedData
    """
    _import_dask()
    if not is_dask_collection(X) or not hasattr(X, "chunks"):
        raise TypeError(
            f"X must be a dask.array.Array here, got {type(X).__name__}; pass NumPy data "
            "through the usual path"
        )
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2D array for X, got a {X.ndim}D Dask array of shape {X.shape}. "
            "Reshape your data with X.reshape(-1, 1) for a single feature."
        )
    row_chunks = _known_row_chunks(X, "X")
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})  # one chunk of columns: each task sees whole rows
    n_samples, n_features = (int(s) for s in X.shape)
    if n_samples == 0 or n_features == 0:
        raise ValueError(f"X has shape {X.shape}: at least one sample and one feature are needed")
    yd = _aligned(y, "y", row_chunks, n_samples)
    blocks_X = list(X.to_delayed().ravel())
    blocks_y = list(yd.to_delayed().ravel())
    if sample_weight is None:
        blocks_s: list[Any] = [None] * len(blocks_X)
    else:
        blocks_s = list(
            _aligned(sample_weight, "sample_weight", row_chunks, n_samples).to_delayed().ravel()
        )
    return ChunkedData(blocks_X, blocks_y, blocks_s, n_samples, n_features, row_chunks)


class ChunkedObjective:
    """Evaluate per-chunk partial sums with one ``dask.compute`` per call.

    Parameters
    ----------
    data : ChunkedData
    partial_sums : callable
        ``partial_sums(params, X_b, y_b, s_b, *extra) -> tuple``: the sums of one chunk
        (e.g. summed loss, summed gradient, summed Hessian). The tuples of all chunks are
        added entry by entry, in chunk order, on the client.

    Attributes
    ----------
    passes : int
        Number of ``dask.compute`` calls so far (each reads every chunk once).
    """

    def __init__(self, data: ChunkedData, partial_sums: PartialSums) -> None:
        self.data = data
        self.partial_sums = partial_sums
        self.passes = 0

    def map_chunks(self, fn: Callable[..., Any], *extra: Any) -> list[Any]:
        """Run ``fn(X_b, y_b, s_b, *extra)`` on every chunk in one ``dask.compute``."""
        dask = _import_dask()
        task = dask.delayed(fn, pure=True)
        d = self.data
        tasks = [
            task(xb, yb, sb, *extra) for xb, yb, sb in zip(d.X, d.y, d.sample_weight, strict=True)
        ]
        self.passes += 1
        return list(dask.compute(*tasks))

    def __call__(self, params: FloatArray, *extra: Any) -> tuple[Any, ...]:
        """Sum of ``partial_sums(params, X_b, y_b, s_b, *extra)`` over the chunks."""
        fn = self.partial_sums

        def chunk(xb: Any, yb: Any, sb: Any, p: FloatArray, *rest: Any) -> tuple[Any, ...]:
            return fn(p, xb, yb, sb, *rest)

        parts = self.map_chunks(chunk, params, *extra)
        return _add_tuples(parts)


def _add_tuples(parts: Sequence[tuple[Any, ...]]) -> tuple[Any, ...]:
    first = parts[0]
    totals = [np.array(v, dtype=np.float64, copy=True) for v in first]
    for part in parts[1:]:
        for acc, v in zip(totals, part, strict=True):
            acc += v
    return tuple(t if t.ndim else float(t) for t in totals)


def map_rows(
    fn: Callable[[Any], Any],
    X: Any,
    *,
    n_outputs: int | None,
    dtype: Any = np.float64,
    n_features: tuple[int, str] | None = None,
) -> Any:
    """``fn`` applied lazily to every row chunk of the Dask array ``X``.

    Parameters
    ----------
    fn : callable
        Maps a NumPy block of rows to a 1-D array (``n_outputs=None``) or a 2-D array
        with ``n_outputs`` columns.
    X : dask.array.Array of shape (n_samples, n_features)
    n_outputs : int or None
    dtype : dtype, default=float64
    n_features : (int, str), optional
        The number of columns ``X`` must have and the estimator's name for the message.

    Returns
    -------
    dask.array.Array of shape (n_samples,) or (n_samples, n_outputs)
    """
    _import_dask()
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2D array for X, got a {X.ndim}D Dask array of shape {X.shape}"
        )
    if n_features is not None and X.shape[1] != n_features[0]:
        raise ValueError(
            f"X has {X.shape[1]} features, but {n_features[1]} is expecting {n_features[0]} "
            "features as input."
        )
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    if n_outputs is None:
        return X.map_blocks(fn, drop_axis=1, dtype=dtype, meta=np.empty((0,), dtype=dtype))
    return X.map_blocks(
        fn,
        chunks=(X.chunks[0], (n_outputs,)),
        dtype=dtype,
        meta=np.empty((0, 0), dtype=dtype),
    )


# ============================================================================ linear models


def _scan_chunk(xb: Any, yb: Any, sb: Any, estimator: str) -> tuple[Any, float]:
    """Validate one chunk the way the NumPy path validates all rows; its labels and weight."""
    from sklearn.utils import check_array
    from sklearn.utils.multiclass import check_classification_targets

    from lrbook._validation import check_weights

    check_array(xb, dtype=np.float64, estimator=estimator, input_name="X")
    yb = np.asarray(yb)
    check_classification_targets(yb)
    sw = check_weights(sb, yb.shape[0], np.dtype(np.float64), allow_all_zero=True)
    return np.unique(yb), float(yb.shape[0] if sw is None else np.sum(sw))


def _linear_chunk(
    params: FloatArray,
    xb: Any,
    yb: Any,
    sb: Any,
    classes: Any,
    multinomial: bool,
    fit_intercept: bool,
    with_hess: bool,
) -> tuple[Any, ...]:
    """Summed (unpenalised) loss, gradient and optionally Hessian of one chunk.

    Computed by lrbook's own :class:`~lrbook._objectives.LinearObjective` on the chunk
    (its mean times the chunk's total weight), so the chunk sums carry every
    stability guarantee of the NumPy path.
    """
    from lrbook import _objectives as O

    family = O.MULTINOMIAL if multinomial else O.BINARY
    xb = np.asarray(xb, dtype=np.float64)
    T = family.encode(np.searchsorted(classes, np.asarray(yb)), len(classes), xb.dtype)
    sw = None if sb is None else np.asarray(sb, dtype=np.float64)
    weight = float(xb.shape[0] if sw is None else np.sum(sw))
    if weight == 0:  # a chunk of zero weight adds nothing
        zeros = (0.0, np.zeros_like(params))
        return (*zeros, np.zeros((params.size, params.size))) if with_hess else zeros
    objective = O.LinearObjective(xb, T, sw, 0.0, fit_intercept, family)
    loss, grad = objective.fun(params)
    if not with_hess:
        return loss * weight, grad * weight
    return loss * weight, grad * weight, objective.hess(params) * weight


class DaskLinearObjective:
    """Mean loss (+ L2 penalty) of a logistic or softmax model over a Dask array.

    ``fun(params) -> (loss, grad)`` and ``fun_hess(params) -> (loss, grad, H)`` are each
    one ``dask.compute`` over the chunks; ``H`` is what ``LinearObjective.newton_hess``
    gives in memory (ridge and softmax gauge terms added on the client).

    Parameters
    ----------
    X, y, sample_weight
        Dask (or, for ``y`` and ``sample_weight``, NumPy) inputs; see :func:`chunked_data`.
    alpha : float
    fit_intercept : bool
    multinomial : bool
    estimator : str
        Name used in validation messages.

    Attributes
    ----------
    classes : ndarray
        Sorted labels found in ``y``.
    n_features : int
    passes : int
        ``dask.compute`` calls so far (one validation scan, then one per evaluation).
    """

    def __init__(
        self,
        X: Any,
        y: Any,
        sample_weight: Any,
        *,
        alpha: float,
        fit_intercept: bool,
        multinomial: bool,
        estimator: str,
    ) -> None:
        from lrbook._validation import raise_all_zero_weights

        data = chunked_data(X, y, sample_weight)
        self._sums = ChunkedObjective(data, _linear_chunk)
        scans = self._sums.map_chunks(_scan_chunk, estimator)
        self.classes = np.unique(np.concatenate([labels for labels, _ in scans]))
        self.weight = float(sum(weight for _, weight in scans))
        if self.weight == 0:
            raise_all_zero_weights()
        self.n_features = data.n_features
        self.alpha, self.fit_intercept, self.multinomial = alpha, fit_intercept, multinomial

    @property
    def passes(self) -> int:
        return self._sums.passes

    def _evaluate(self, params: FloatArray, with_hess: bool) -> tuple[Any, ...]:
        from lrbook import _objectives as O

        parts = self._sums(params, self.classes, self.multinomial, self.fit_intercept, with_hess)
        loss, grad = parts[0] / self.weight, parts[1] / self.weight
        loss = O.penalise(params, loss, grad, self.alpha, self.fit_intercept)
        if not with_hess:
            return loss, grad
        n_out = params.shape[1] if params.ndim == 2 else 1
        H = O.add_ridge(parts[2] / self.weight, self.alpha, self.fit_intercept, n_out)
        if self.multinomial:
            H = O.fix_gauge(H, self.alpha, self.fit_intercept, n_out)
        return loss, grad, H

    def fun(self, params: FloatArray) -> tuple[float, FloatArray]:
        """Penalised mean loss and gradient: one pass over the chunks."""
        loss, grad = self._evaluate(params, with_hess=False)
        return loss, grad

    def fun_hess(self, params: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        """Loss, gradient and Newton Hessian in the same single pass."""
        loss, grad, H = self._evaluate(params, with_hess=True)
        return loss, grad, H

    def separable(self, params: FloatArray) -> bool:
        """Whether the model at ``params`` classifies every training sample correctly."""
        fi = self.fit_intercept

        def margin(xb: Any, yb: Any, sb: Any, p: FloatArray) -> float:
            xb = np.asarray(xb, dtype=np.float64)
            z = xb @ p[fi:] + (p[0] if fi else 0.0)
            codes = np.searchsorted(self.classes, np.asarray(yb))
            if z.ndim == 1:
                m = np.where(codes == 1, z, -z)
            else:
                rows = np.arange(z.shape[0])
                other = z.copy()
                other[rows, codes] = -np.inf
                m = z[rows, codes] - other.max(axis=1)
            return float(m.min()) if m.size else np.inf

        return min(self._sums.map_chunks(margin, params)) > 0


def fit_linear_classifier(
    est: Any, X: Any, y: Any, sample_weight: Any, alpha: float, fit_intercept: bool
) -> Any:
    """``LogisticRegression.fit`` / ``SoftmaxRegression.fit`` on Dask arrays.

    The hyperparameters are already validated; the data are validated per chunk in one
    pass; each Newton step or GD iteration is then one ``dask.compute``.
    """
    from lrbook.models import _run_solver

    if est.solver not in ("newton", "gd"):
        raise ValueError(
            f"solver={est.solver!r} does not accept Dask arrays: minibatch SGD would read "
            "one small batch per step. Use solver='newton' or solver='gd' (one pass over "
            "the chunks per evaluation), or pass NumPy arrays."
        )
    objective = DaskLinearObjective(
        X,
        y,
        sample_weight,
        alpha=alpha,
        fit_intercept=fit_intercept,
        multinomial=est._multinomial,
        estimator=type(est).__name__,
    )
    est.classes_ = objective.classes
    est.n_features_in_ = objective.n_features
    n_classes = est._check_n_classes()
    shape = (objective.n_features + fit_intercept, n_classes)
    x0 = np.zeros(shape if est._multinomial else shape[:1])
    res = _run_solver(est.solver, objective, x0, est, None)  # newton: one pass a step
    est._set_params(res, fit_intercept, np.dtype(np.float64))
    if alpha == 0 and objective.separable(res.x):
        est._warn_separable()
    return est
