"""Re-run the implement-it-yourself exercises of the book (for ``tests/book_checks``).

Each chapter's exercise defines the solution in a code cell of ``book/<page>.md`` (the
last definition of the function, after the starter stub) and a typical wrong attempt
``first_attempt``. The book glues whether the solution passed its ``lrbook.exercises``
check, how many checks ran, and the diagnosis of the wrong attempt; the book checks
recompute the same three values here from the chapter's *current* source with the
*current* lrbook, so a solution that stops passing fails a book test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

BOOK_DIR = Path(__file__).resolve().parent.parent / "book"
CODE_CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", re.DOTALL)


def defined_function(page: str, name: str) -> Callable[..., Any]:
    """The last ``def name(...)`` in a code cell of ``book/<page>.md``, executed alone."""
    source = (BOOK_DIR / f"{page}.md").read_text(encoding="utf-8")
    found = None
    for cell in CODE_CELL.findall(source):
        lines = cell.splitlines()
        for i, line in enumerate(lines):
            if line.startswith(f"def {name}("):
                end = i + 1
                while end < len(lines) and (not lines[end].strip() or lines[end][0] in " )"):
                    end += 1
                found = "\n".join(lines[i:end])
    if found is None:
        raise LookupError(f"book/{page}.md defines no function {name!r} in a code cell")
    import lrbook

    namespace: dict[str, Any] = {"np": np, "lrbook": lrbook}
    exec(compile(found, f"book/{page}.md:{name}", "exec"), namespace)
    return namespace[name]


def exercise_checks(page: str, prefix: str, name: str, check: str) -> dict[str, Callable[[], Any]]:
    """CHECKS entries ``<prefix>_impl_passed``, ``_n_checks`` and ``_attempt`` for a page."""

    def run(function: str) -> Any:
        from lrbook import exercises

        return getattr(exercises, check)(defined_function(page, function))

    return {
        f"{prefix}_impl_passed": lambda: run(name).passed,
        f"{prefix}_impl_n_checks": lambda: len(run(name).steps),
        f"{prefix}_impl_attempt": lambda: run("first_attempt").diagnosis.key,
    }
