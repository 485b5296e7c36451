"""Book build time (opt-in with ``--book``; expensive).

Runs the ``docs`` nox session's build command (``sphinx-build -W --keep-going
-j auto -b html -d OUT/doctrees -c . book OUT/html``) into a fresh temporary directory
with forced execution of every chapter (``LRBOOK_NB_EXECUTION=force``), then
rebuilds into the same directory with nothing changed.  The clean build runs
once (it takes minutes); the no-change rebuild runs ``reps`` times (median).
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
import time
from pathlib import Path

from _harness import ROOT, Config, Row, median, original_env, python

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
        last = sources_digest()
        clean, clean_ok, log = _timed(cmd, env)
        # A rebuild counts only if nothing it depends on changed since the build before it
        # (conf.py marks every page outdated when lrbook's source changes).
        all_rebuilds, rebuilds, rebuild_ok, rebuild_log = [], [], True, ""
        for _ in range(max(3, cfg.reps // 2)):
            t, ok, rebuild_log = _timed(cmd, env)
            now = sources_digest()
            all_rebuilds.append(t)
            if now == last:
                rebuilds.append(t)
                rebuild_ok = rebuild_ok and ok
            last = now
        changed = not rebuilds
    rows[0].lrbook_s, rows[0].reps = clean, 1
    rows[0].extra = {"command": " ".join(cmd[1:]), "env": "LRBOOK_NB_EXECUTION=force"}
    if rebuilds:
        rows[1].lrbook_s, rows[1].reps = median(rebuilds), len(rebuilds)
    rows[1].extra = {"times": rebuilds, "all_times_including_changed_sources": all_rebuilds}
    rows[1].extra["log_tail"] = rebuild_log[-2000:]
    # a failing build is still timed, but its row is an error, never "met"
    if not clean_ok:
        rows[0].status = "error"
        rows[0].note = "sphinx-build failed (-W): " + _first_errors(log)
    if not rebuild_ok:
        rows[1].status = "error"
        rows[1].note = "sphinx-build failed (-W): " + _first_errors(rebuild_log)
    if changed:
        # conf.py marks every page outdated when lrbook's source changes: not a no-change rebuild
        rows[1].status = "error"
        rows[1].note = "lrbook/, book/ or conf.py changed before every rebuild: not timed"
    elif rebuild_ok and len(rebuilds) < len(all_rebuilds):
        rows[1].note = (
            f"{len(all_rebuilds) - len(rebuilds)} of {len(all_rebuilds)} rebuilds dropped: "
            "sources changed during them"
        )
    return [r.evaluate() for r in rows]


def sources_digest() -> str:
    """Hash of everything a rebuild depends on (lrbook/, book/, conf.py)."""
    h = hashlib.sha256()
    files = [ROOT / "conf.py", *sorted((ROOT / "lrbook").rglob("*.py"))]
    files += sorted(p for p in (ROOT / "book").rglob("*") if p.is_file())
    for f in files:
        if "__pycache__" not in f.parts and f.is_file():
            h.update(str(f.relative_to(ROOT)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, bool, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - t0, proc.returncode == 0, proc.stdout + proc.stderr


def _first_errors(log: str, k: int = 3) -> str:
    lines = [
        ln
        for ln in log.splitlines()
        if ("ERROR" in ln or "WARNING:" in ln or "Error" in ln) and "IPKernelApp" not in ln
    ]
    shown = "; ".join(ln.strip()[:200] for ln in lines[:k])
    return f"{len(lines)} error/warning line(s), first: {shown}" if lines else log[-300:]
