"""Blocked passes shared by threads (lrbook._blocks): same numbers for any thread count."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from lrbook import _blocks
from lrbook._objectives import (
    BINARY,
    MULTINOMIAL,
    LinearObjective,
    TransposedSoftmaxObjective,
)


def test_map_blocks_keeps_block_order_and_uses_threads(monkeypatch):
    monkeypatch.setenv("LRBOOK_NUM_THREADS", "3")
    seen = set()
    meet = threading.Barrier(3, timeout=30)  # blocks 0, 1, 2 belong to three threads

    def fn(s):
        seen.add(threading.get_ident())
        if s < 3:
            meet.wait()  # BrokenBarrierError unless three threads run at once
        return s

    assert _blocks.map_blocks(fn, range(10)) == list(range(10))
    assert len(seen) == 3


def test_map_blocks_one_thread_runs_in_the_caller(monkeypatch):
    monkeypatch.setenv("LRBOOK_NUM_THREADS", "1")
    seen = set()
    _blocks.map_blocks(lambda s: seen.add(threading.get_ident()), range(5))
    assert seen == {threading.get_ident()}


def test_map_blocks_raises_a_worker_exception(monkeypatch):
    monkeypatch.setenv("LRBOOK_NUM_THREADS", "2")

    def fn(s):
        if s == 3:  # evaluated by the worker thread (odd blocks)
            raise ValueError("block 3")
        return s

    with pytest.raises(ValueError, match="block 3"):
        _blocks.map_blocks(fn, range(6))


def test_map_blocks_applies_the_callers_errstate_in_workers(monkeypatch):
    monkeypatch.setenv("LRBOOK_NUM_THREADS", "2")
    with np.errstate(over="ignore"):  # warnings are errors in the tests: overflow would raise
        out = _blocks.map_blocks(lambda s: float(np.exp(np.float64(1000.0 + s))), range(4))
    assert out == [np.inf] * 4
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        _blocks.map_blocks(lambda s: np.exp(np.float64(1000.0)), range(4))


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_bad_thread_count_is_named(monkeypatch, value):
    monkeypatch.setenv("LRBOOK_NUM_THREADS", value)
    with pytest.raises(ValueError, match=r"LRBOOK_NUM_THREADS must be a positive integer.*"):
        _blocks.n_threads()


def _objective(kind, n=9000, d=7, K=4, weights=True):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((n, d))
    sw = rng.uniform(0.5, 2.0, n) if weights else None
    if kind == "binary":
        T = (rng.random(n) < 0.4).astype(float)
        obj = LinearObjective(X, T, sw, 0.01, True, BINARY)
        params = rng.standard_normal(d + 1)
    else:
        T = np.eye(K)[rng.integers(0, K, n)]
        cls = TransposedSoftmaxObjective if kind == "transposed" else LinearObjective
        obj = cls(X, T, sw, 0.01, True, MULTINOMIAL)
        params = rng.standard_normal((d + 1, K))
    obj.step = 500  # many blocks on a small problem
    if hasattr(obj, "cols"):
        obj.cols = 500
    return obj, params


@pytest.mark.parametrize("kind", ["binary", "softmax", "transposed"])
def test_objectives_are_bitwise_the_same_for_any_thread_count(monkeypatch, kind):
    results = []
    for threads in ("1", "2", "3"):
        monkeypatch.setenv("LRBOOK_NUM_THREADS", threads)
        obj, params = _objective(kind)
        loss, grad = obj.fun(params)
        if kind == "transposed":
            v = np.linspace(-1.0, 1.0, params.size).reshape(params.shape)
            curv = obj.hessp(params, v)
        else:
            curv = obj.hess(params)
        results.append((loss, grad, curv))
    for loss, grad, curv in results[1:]:
        assert loss == results[0][0]
        np.testing.assert_array_equal(grad, results[0][1])
        np.testing.assert_array_equal(curv, results[0][2])


def test_one_thread_unless_asked(monkeypatch):
    monkeypatch.delenv("LRBOOK_NUM_THREADS", raising=False)
    assert _blocks.n_threads() == 1
    monkeypatch.setenv("LRBOOK_NUM_THREADS", " 3 ")
    assert _blocks.n_threads() == 3
