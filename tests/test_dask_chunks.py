"""lrbook._dask: chunking checks and one dask.compute per evaluation (no estimator here)."""

from __future__ import annotations

import numpy as np
import pytest

da = pytest.importorskip("dask.array", reason="the dask extra is not installed")

from lrbook import _dask  # noqa: E402


def _data(n: int = 103, d: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    return X, (X[:, 0] > 0).astype(float)


def _sums(p: np.ndarray, xb: np.ndarray, yb: np.ndarray, sb: object) -> tuple[float, np.ndarray]:
    r = xb @ p - yb
    return float(r @ r), xb.T @ r


@pytest.mark.parametrize("chunks", [(103, 4), (10, 4), (25, 2), (50, 1)])
def test_partial_sums_equal_the_in_memory_sums_for_any_chunking(chunks: tuple[int, int]) -> None:
    X, y = _data()
    obj = _dask.ChunkedObjective(_dask.chunked_data(da.from_array(X, chunks=chunks), y), _sums)
    p = np.linspace(-1, 1, 4)
    loss, grad = obj(p)
    r = X @ p - y
    np.testing.assert_allclose(loss, r @ r, rtol=1e-13)
    np.testing.assert_allclose(grad, X.T @ r, rtol=1e-12, atol=1e-13)
    assert obj.passes == 1


def test_each_evaluation_is_one_compute() -> None:
    X, y = _data()
    obj = _dask.ChunkedObjective(_dask.chunked_data(da.from_array(X, chunks=(20, 4)), y), _sums)
    for _ in range(3):
        obj(np.zeros(4))
    assert obj.passes == 3


def test_unknown_chunk_sizes_are_refused_with_the_fix() -> None:
    X, y = _data()
    Xd = da.from_array(X, chunks=(20, 4))
    Xu = Xd[Xd[:, 0] > -10]  # boolean indexing: chunk sizes unknown
    with pytest.raises(ValueError, match=r"unknown chunk sizes.*compute_chunk_sizes"):
        _dask.chunked_data(Xu, y)


def test_y_of_the_wrong_length_is_refused() -> None:
    X, y = _data()
    with pytest.raises(ValueError, match="y has 102 entries but X has 103 rows"):
        _dask.chunked_data(da.from_array(X, chunks=(20, 4)), y[:-1])


def test_one_dimensional_X_is_refused() -> None:
    with pytest.raises(ValueError, match="Expected a 2D array for X"):
        _dask.chunked_data(da.ones(10, chunks=5), np.ones(10))


def test_y_and_weights_are_rechunked_to_the_rows_of_X() -> None:
    X, y = _data()
    data = _dask.chunked_data(
        da.from_array(X, chunks=(20, 4)), da.from_array(y, chunks=7), np.ones(103)
    )
    assert data.row_chunks == (20, 20, 20, 20, 20, 3)
    assert len(data.y) == len(data.X) == len(data.sample_weight) == 6


def test_map_rows_is_lazy_and_blockwise() -> None:
    X, _ = _data()
    Xd = da.from_array(X, chunks=(30, 2))
    out = _dask.map_rows(lambda b: b.sum(axis=1), Xd, n_outputs=None)
    assert _dask.is_dask_collection(out)
    np.testing.assert_allclose(out.compute(), X.sum(axis=1))
    two = _dask.map_rows(lambda b: b[:, :2], Xd, n_outputs=2)
    np.testing.assert_array_equal(two.compute(), X[:, :2])


def test_numpy_arrays_are_not_dask_collections() -> None:
    assert not _dask.is_dask_collection(np.ones(3))
    assert _dask.is_dask_collection(da.ones(3))
