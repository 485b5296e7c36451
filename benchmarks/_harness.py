"""Timing harness shared by the benchmark modules.

Every comparison is interleaved: after one warm-up call of each side, the sides
run in turn (A B A B ...) for ``reps`` rounds, so slow drifts of the machine
(other processes, CPU frequency, page cache) hit both sides alike.  Rows report
medians.  Nothing here asserts anything: a missed goal is a row marked MISSED.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: Variables some machines set to work around old OpenBLAS builds (see benchmarks/README.md).
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
#: Set by run.py when it re-executed itself without OPENBLAS_VARS; holds their old values.
REEXEC_MARKER = "_LRBOOK_BENCH_REMOVED_OPENBLAS_ENV"


@dataclass
class Config:
    """Options shared by all benchmark groups."""

    quick: bool = False
    reps: int = 5
    warmup: int = 1
    seed: int = 0


@dataclass
class Row:
    """One line of the results table.

    ``metric`` says how ``value`` is compared with ``goal``:

    * ``"ratio"``: ``value = lrbook / reference`` (medians), met when ``<= goal``;
    * ``"delta"``: ``value = lrbook - reference`` in seconds, met when ``<= goal``;
    * ``"time"``: ``value`` = lrbook's median time in seconds, met when ``<= goal``;
    * ``"report"``: no goal, the ratio is reported only.
    """

    group: str
    name: str
    metric: str
    goal: float | None
    lrbook_s: float | None = None
    reference_s: float | None = None
    reference: str = ""
    value: float | None = None
    status: str = "not run"
    reps: int = 0
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def evaluate(self) -> Row:
        """Fill ``value`` and ``status`` from the measured medians."""
        if self.lrbook_s is None:
            return self
        if self.metric in ("ratio", "report"):
            if self.reference_s is None:
                return self
            self.value = self.lrbook_s / self.reference_s
        elif self.metric == "delta":
            if self.reference_s is None:
                return self
            self.value = self.lrbook_s - self.reference_s
        elif self.metric == "time":
            self.value = self.lrbook_s
        else:
            raise ValueError(f"unknown metric {self.metric!r}")
        if self.status in ("LOSS MISMATCH", "error"):
            return self
        if self.goal is None or self.metric == "report":
            self.status = "report"
        else:
            self.status = "met" if self.value <= self.goal else "MISSED"
        return self

    def goal_text(self) -> str:
        if self.goal is None or self.metric == "report":
            return "report"
        if self.metric == "ratio":
            return f"<= {self.goal:g}x"
        if self.metric == "delta":
            return f"<= +{self.goal * 1e3:.0f} ms"
        return f"<= {self.goal:g} s"

    def value_text(self) -> str:
        if self.value is None:
            return "-"
        if self.metric in ("ratio", "report"):
            return f"{self.value:.2f}x"
        if self.metric == "delta":
            return f"{self.value * 1e3:+.0f} ms"
        return fmt_seconds(self.value)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["goal_text"] = self.goal_text()
        return d


def fmt_seconds(t: float | None) -> str:
    """Seconds with a unit that keeps three significant digits."""
    if t is None:
        return "-"
    if t < 1e-3:
        return f"{t * 1e6:.0f} us"
    if t < 1:
        return f"{t * 1e3:.1f} ms"
    return f"{t:.2f} s"


def interleave(
    sides: Mapping[str, Callable[[], object]], reps: int, warmup: int = 1
) -> dict[str, list[float]]:
    """Time each side ``reps`` times, interleaved (A B A B ...), after ``warmup`` rounds.

    Returns the list of wall-clock times (seconds) of each side.
    """
    for _ in range(warmup):
        for fn in sides.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(reps):
        for name, fn in sides.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return times


def median(values: list[float]) -> float:
    return statistics.median(values)


def run_command(cmd: list[str], env: Mapping[str, str] | None = None, cwd: Path = ROOT) -> float:
    """Wall-clock time of a command; raises ``RuntimeError`` with its output if it fails."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-2000:]
        raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}:\n{tail}")
    return elapsed


def original_env() -> dict[str, str]:
    """The environment as the caller had it (OpenBLAS overrides restored).

    Used for the book and test rows, which must run exactly like CI.
    """
    import json

    env = dict(os.environ)
    removed = env.pop(REEXEC_MARKER, None)
    if removed:
        env.update(json.loads(removed))
    return env


def python() -> str:
    return sys.executable
