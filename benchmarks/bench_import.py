"""Import time: ``python -c "import lrbook"`` against ``python -c "import numpy"``.

Each side is a fresh interpreter (wall clock of the whole process), run
interleaved; the row reports the difference of the medians.  It also records
which heavy packages ``import lrbook`` pulls in.
"""

from __future__ import annotations

import json
import subprocess

from _harness import Config, Row, interleave, median, python, run_command

GOAL_S = 0.150
HEAVY = ("numpy", "sklearn", "scipy", "matplotlib", "sympy", "tqdm")


def run(cfg: Config) -> list[Row]:
    reps = max(2 * cfg.reps + 1, 11)

    def side(stmt: str):
        return lambda: run_command([python(), "-c", stmt])

    times = interleave(
        {"lrbook": side("import lrbook"), "numpy": side("import numpy")}, reps, cfg.warmup
    )
    probe = (
        "import sys, json, lrbook; "
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    )
    loaded = json.loads(
        subprocess.run([python(), "-c", probe], capture_output=True, text=True, check=True).stdout
    )
    return [
        Row(
            group="import",
            name="import lrbook",
            metric="delta",
            goal=GOAL_S,
            lrbook_s=median(times["lrbook"]),
            reference_s=median(times["numpy"]),
            reference="import numpy",
            reps=reps,
            note="imports " + (", ".join(loaded) or "nothing heavy"),
            extra={"times": times, "heavy_modules_loaded": loaded},
        ).evaluate()
    ]
