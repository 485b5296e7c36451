"""Row blocks of a full-data pass, shared by a few threads; results in block order.

The full-batch objectives read ``X`` in cache-sized blocks of rows (see
:data:`lrbook._objectives.BLOCK_BYTES`). NumPy's element-wise kernels run in one
thread and OpenBLAS's matrix-vector products on a 2 MiB block barely use a
second one, so one pass leaves the other cores idle. :func:`map_blocks` gives
every thread its share of the blocks (NumPy and BLAS release the GIL) and
returns the per-block results **in block order**, so the caller sums them in
exactly the order of a serial loop: the result does not depend on the number of
threads (bit for bit).

The threads are plain :class:`~concurrent.futures.ThreadPoolExecutor` workers:
they sleep on a queue between passes (nothing spins beside OpenBLAS's own
threads). The caller's NumPy error state (``np.errstate``) is applied in every
worker. ``LRBOOK_NUM_THREADS`` in the environment sets the number of threads;
the default is **one** (no pool at all), because on the 2-core machine this was
measured on, a second thread paid off only while OpenBLAS's own threads were
idle: the 1e6 x 20 logistic gradient took 42 ms with one thread and 26 ms with
two on its own, but 44 and 43 ms when interleaved with two-thread BLAS calls
(OpenBLAS's workers keep spinning after a call), and a Newton fit (its Hessian
made of many small blocks) went from 0.86 to 1.3-1.5 s. Set it where the cores
are otherwise idle, and measure.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

import numpy as np

__all__ = ["map_blocks", "n_threads"]

R = TypeVar("R")

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_key: tuple[int, int] | None = None  # (pid, workers) the pool was made for


def n_threads() -> int:
    """Threads of a blocked pass: ``LRBOOK_NUM_THREADS`` (a positive integer), else 1.

    Examples
    --------
    >>> n_threads() >= 1
    True
    """
    value = os.environ.get("LRBOOK_NUM_THREADS", "").strip()
    if not value:
        return 1
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(
            f"LRBOOK_NUM_THREADS must be a positive integer, got {value!r}; "
            "unset it to use the default (one thread)"
        )
    return n


def _executor(workers: int) -> ThreadPoolExecutor:
    """The shared pool (made again after a fork: a child has no threads)."""
    global _pool, _pool_key
    key = (os.getpid(), workers)
    with _lock:
        if _pool is None or _pool_key != key:
            if _pool is not None and _pool_key is not None and _pool_key[0] == key[0]:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lrbook")
            _pool_key = key
        return _pool


def map_blocks(fn: Callable[[int], R], starts: Sequence[int]) -> list[R]:
    """``[fn(s) for s in starts]``, the blocks shared by :func:`n_threads` threads.

    Thread ``t`` evaluates blocks ``t, t + T, t + 2T, ...`` (the calling thread is
    thread 0); the list comes back in the order of ``starts``. An exception raised
    by ``fn`` in any thread is raised here.

    Examples
    --------
    >>> map_blocks(lambda s: s * s, range(0, 10, 3))
    [0, 9, 36, 81]
    """
    starts = list(starts)
    workers = min(n_threads(), len(starts)) if len(starts) > 1 else 1
    if workers <= 1:
        return [fn(s) for s in starts]
    err = np.geterr()  # np.errstate is per thread (NumPy < 2) or per context

    def share(t: int) -> list[R]:
        with np.errstate(**err):
            return [fn(s) for s in starts[t::workers]]

    pool = _executor(workers - 1)
    futures = [pool.submit(share, t) for t in range(1, workers)]
    try:
        shares = [share(0)]
    finally:
        wait(futures)  # never leave a worker writing into the caller's arrays
    shares += [f.result() for f in futures]  # re-raises a worker's exception
    out: list[R] = [None] * len(starts)  # type: ignore[list-item]
    for t, part in enumerate(shares):
        out[t::workers] = part
    return out
