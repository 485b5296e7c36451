"""The downloadable notebooks run (marker ``book``; ``nox -s notebooks`` runs them).

Every page's download (``_build/html/_sources/<page>.ipynb``, the ``.ipynb`` entry of the
page's download menu, as ``conf.py`` writes it with :mod:`lrbook.book`) is executed top to
bottom in a fresh Python kernel with ``nbclient``, in an empty working directory, the way a
reader runs it in plain Jupyter with lrbook installed. A cell that raises fails the test
with the cell and the error. Each download must also open with the install hint and carry
the executed outputs of the build (a cached build once wrote downloads without them).

These runs take minutes, so they are skipped unless ``LRBOOK_RUN_NOTEBOOKS=1`` (the
``notebooks`` nox session sets it, and ``LRBOOK_REQUIRE_BOOK=1``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parent.parent
HTML = Path(os.environ.get("LRBOOK_HTML_DIR", ROOT / "_build" / "html")).resolve()
# The pages that are notebooks (a jupytext header): each offers its executed .ipynb.
PAGES = sorted(
    path.stem
    for path in (ROOT / "book").glob("*.md")
    if path.read_text(encoding="utf-8").startswith("---\njupytext:")
)
TIMEOUT_S = 600


def _download(html_dir: Path, page: str) -> dict[str, Any]:
    path = html_dir / "_sources" / f"{page}.ipynb"
    assert path.is_file(), f"{path} is missing: the page offers no notebook download"
    return json.loads(path.read_text(encoding="utf-8"))


def _code_cells(notebook: dict[str, Any]) -> list[dict[str, Any]]:
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


@pytest.mark.parametrize("page", PAGES)
def test_download_starts_with_the_install_hint(html_dir: Path, page: str) -> None:
    from lrbook.book import INSTALL_HINT_TAG

    first = _download(html_dir, page)["cells"][0]
    assert INSTALL_HINT_TAG in first.get("metadata", {}).get("tags", []), first
    assert "pip install" in "".join(first["source"])


@pytest.mark.parametrize("page", PAGES)
def test_download_has_the_executed_outputs(html_dir: Path, page: str) -> None:
    code = _code_cells(_download(html_dir, page))
    if not code:
        pytest.skip(f"{page} has no code cell")
    executed = [cell for cell in code if cell.get("execution_count")]
    assert len(executed) == len(code), (
        f"{page}: {len(code) - len(executed)} of {len(code)} code cells of the download "
        "were never executed (no execution count): the download lacks the build's outputs"
    )
    assert any(cell.get("outputs") for cell in code), f"{page}: no code cell has an output"


def run_notebook(notebook: dict[str, Any], cwd: Path) -> list[str]:
    """Execute ``notebook`` in a fresh kernel in ``cwd``; return the problems (errors)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    node = nbformat.reads(json.dumps(notebook), as_version=4)  # joins list sources
    for cell in node.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    client = NotebookClient(
        node,
        timeout=TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
        allow_errors=False,
    )
    try:
        client.execute()
    except CellExecutionError as error:
        return [str(error)[:3000]]
    return []


@pytest.mark.skipif(
    os.environ.get("LRBOOK_RUN_NOTEBOOKS", "") in {"", "0"},
    reason="runs every downloaded notebook (minutes): set LRBOOK_RUN_NOTEBOOKS=1 "
    "(nox -s notebooks)",
)
@pytest.mark.parametrize("page", PAGES)
def test_downloaded_notebook_runs_in_a_fresh_kernel(
    html_dir: Path, page: str, tmp_path: Path
) -> None:
    notebook = _download(html_dir, page)
    if not _code_cells(notebook):
        pytest.skip(f"{page} has no code cell")
    problems = run_notebook(notebook, tmp_path)
    assert not problems, f"{page}.ipynb fails in a fresh kernel:\n" + "\n".join(problems)


def test_a_failing_notebook_is_reported(tmp_path: Path) -> None:
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    import nbformat

    good = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1 + 1")])
    bad = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("1 / 0")]
    )
    assert run_notebook(json.loads(nbformat.writes(good)), tmp_path) == []
    problems = run_notebook(json.loads(nbformat.writes(bad)), tmp_path)
    assert problems, "a cell that raises was not reported"
    assert "ZeroDivisionError" in problems[0], problems
