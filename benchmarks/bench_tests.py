"""Full test-suite time (opt-in with ``--tests``).

Runs ``python -m pytest -q -p no:cacheprovider`` from the repository root,
once, with the caller's environment (as CI would).  Failing tests do not hide
the time: the row notes the pytest summary line.
"""

from __future__ import annotations

import subprocess
import time

from _harness import ROOT, Config, Row, original_env, python

GOAL_S = 120.0


def not_run() -> list[Row]:
    return [Row("tests", "pytest, full suite", "time", GOAL_S, note="pass --tests")]


def run(cfg: Config) -> list[Row]:
    cmd = [python(), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    t0 = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=ROOT, env=original_env(), capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - t0
    lines = [ln for ln in proc.stdout.strip().splitlines() if ln.strip()]
    summary = lines[-1] if lines else proc.stderr.strip()[-200:]
    row = Row(
        "tests",
        "pytest, full suite",
        "time",
        GOAL_S,
        lrbook_s=elapsed,
        reps=1,
        note=("" if proc.returncode == 0 else "TESTS FAILING, ")
        + f"exit {proc.returncode}: {summary}",
        extra={"command": " ".join(cmd[1:]), "returncode": proc.returncode},
    )
    return [row.evaluate()]
