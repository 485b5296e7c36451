"""Book build time (opt-in with ``--book``; expensive).

Runs the ``docs`` nox session's build command (``sphinx-build -W --keep-going
-j auto -b html -d OUT/doctrees -c . book OUT/html``) into a fresh temporary directory
with forced execution of every chapter (``LRBOOK_NB_EXECUTION=force``), then
rebuilds into the same directory with nothing changed.  The clean build runs
once (it takes minutes); the no-change rebuild runs ``reps`` times (median).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from _harness import Config, Row, median, original_env, python, run_command

GOAL_CLEAN_S = 180.0
GOAL_REBUILD_S = 20.0


def sphinx_command(out: Path) -> list[str]:
    return [
        python(),
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-j",
        "auto",
        "-b",
        "html",
        "-q",
        "-d",
        str(out / "doctrees"),
        "-c",
        ".",
        "book",
        str(out / "html"),
    ]


def not_run() -> list[Row]:
    return [
        Row("book", "book clean build (executed)", "time", GOAL_CLEAN_S, note="pass --book"),
        Row("book", "book rebuild, nothing changed", "time", GOAL_REBUILD_S, note="pass --book"),
    ]


def run(cfg: Config) -> list[Row]:
    env = original_env()
    env["LRBOOK_NB_EXECUTION"] = "force"
    rows = not_run()
    for row in rows:
        row.note = ""
    with tempfile.TemporaryDirectory(prefix="lrbook-bench-book-") as tmp:
        out = Path(tmp)
        cmd = sphinx_command(out)
        try:
            clean = run_command(cmd, env=env)
        except RuntimeError as exc:
            for row in rows:
                row.status, row.note = "error", str(exc)[-300:]
            return rows
        rebuilds = []
        for _ in range(max(3, cfg.reps // 2)):
            t0 = time.perf_counter()
            run_command(cmd, env=env)
            rebuilds.append(time.perf_counter() - t0)
    rows[0].lrbook_s, rows[0].reps = clean, 1
    rows[0].extra = {"command": " ".join(cmd[1:]), "env": "LRBOOK_NB_EXECUTION=force"}
    rows[1].lrbook_s, rows[1].reps = median(rebuilds), len(rebuilds)
    rows[1].extra = {"times": rebuilds}
    return [r.evaluate() for r in rows]
