"""Checks of the built, executed book in ``_build/html`` (marker ``book``).

Run after the build: ``nox -s docs`` builds and then runs this file. Without a build the
tests are skipped (see ``conftest.py``), unless ``LRBOOK_REQUIRE_BOOK=1``.

What is checked:

- every ``book/*.md`` has its HTML page;
- no output cell shows a traceback, error or warning text (a cell tagged
  ``expected-warning`` may show warning text, one tagged ``expected-error`` error text,
  e.g. a chapter that demonstrates a RuntimeWarning or a validation message; never a
  traceback);
- every numbered chapter has at least one figure (an ``<img>`` in a cell output), at least
  one glued value, and at least one entry in :data:`GLUE_CHECKS` (``tests/book_checks/``);
- for every entry in :data:`GLUE_CHECKS`: the value the executed notebook glued equals the
  value lrbook computes now (re-running the same call in this process), and every
  ``{glue:text}`key:fmt``` on the page shows that recomputed value formatted with ``fmt``.

Book writers: see the instructions above :data:`GLUE_CHECKS` (tests/book_checks/<page>.py).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytestmark = pytest.mark.book

bs4 = pytest.importorskip("bs4", reason="the book tests need beautifulsoup4 (book extra)")

BOOK_DIR = Path(__file__).resolve().parent.parent / "book"
CHAPTER_PATTERN = re.compile(r"^\d\d_.+$")


@dataclass(frozen=True)
class GlueCheck:
    """Recompute one glued value of one page.

    Parameters
    ----------
    page : str
        Docname of the page, e.g. ``"02_sigmoid"`` for ``book/02_sigmoid.md``.
    key : str
        The name passed to ``myst_nb.glue(key, value, display=False)`` in that page.
    compute : callable
        Called with no arguments; returns the value again by the same lrbook call the
        page makes. Numbers (and lists/tuples of numbers) are compared with ``rtol`` /
        ``atol``; anything else by its ``repr`` against the glued ``text/plain``
        (e.g. a SymPy expression).
    rtol, atol : float, default=1e-9, 0.0
        Tolerances for numbers.
    """

    page: str
    key: str
    compute: Callable[[], Any]
    rtol: float = 1e-9
    atol: float = 0.0

    @property
    def id(self) -> str:
        return f"{self.page}::{self.key}"


# -- Registry of recomputed glue values -----------------------------------------------------
# BOOK WRITERS: register at least one glued value per chapter (the test fails for a chapter
# without one) in tests/book_checks/<page>.py, named after the page (book/<page>.md):
#
#   CHECKS: dict[str, Callable[[], Any]] = {"ch07_test_accuracy": _test_accuracy, ...}
#   TOLERANCES: dict[str, tuple[float, float]] = {"ch07_loss": (1e-7, 0.0)}  # optional
#
# Each callable re-runs the chapter's lrbook call (same seeded data, same arguments) and
# returns the value; import lrbook inside it. In the chapter (a MyST text notebook):
#
#   from myst_nb import glue
#   acc = float(model.score(X_test, y_test))   # glue Python floats/ints/str, not np.float64
#   glue("ch07_test_accuracy", acc, display=False)
#
# and cite it in the prose with {glue:text}`ch07_test_accuracy:.3f` (format spec optional;
# it must end in its type character). The test compares the glued value with the callable's
# (numbers with rtol=1e-9 unless TOLERANCES says otherwise, anything else by repr against
# the glued text/plain) and checks that each {glue:text} role on the page shows the
# recomputed value in its format. Values that cannot be recomputed exactly (timings, errors
# at round-off level) are simply not registered.
#
# Math: glue anything with _repr_latex_ (a lrbook.symbolic derivation's .math(), a SymPy
# expression) and paste it with
#   ```{glue:math} ch02_eq_dsigmoid
#   :label: eq-dsigmoid
#   ```
# then cite it with {eq}`eq-dsigmoid`. A check returning the same object is compared by
# repr with the glued text/plain.
CHECKS_DIR = Path(__file__).resolve().parent / "book_checks"


def _load_checks(path: Path) -> list[GlueCheck]:
    spec = importlib.util.spec_from_file_location(f"lrbook_book_checks_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the glue checks in {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tolerances = getattr(module, "TOLERANCES", {})
    return [
        GlueCheck(path.stem, key, compute, *tolerances.get(key, ()))
        for key, compute in module.CHECKS.items()
    ]


GLUE_CHECKS: list[GlueCheck] = [
    check for path in sorted(CHECKS_DIR.glob("*.py")) for check in _load_checks(path)
]


# -- Helpers --------------------------------------------------------------------------------
def _book_pages() -> list[str]:
    return sorted(p.stem for p in BOOK_DIR.glob("*.md") if not p.name.startswith("_"))


def _chapters() -> list[str]:
    return [page for page in _book_pages() if CHAPTER_PATTERN.match(page)]


def _soup(html_dir: Path, page: str) -> Any:
    path = html_dir / f"{page}.html"
    assert path.is_file(), f"{path} was not built from book/{page}.md"
    return bs4.BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _article(soup: Any) -> Any:
    return soup.find("article") or soup.find(attrs={"role": "main"}) or soup


def _glue_data(html_dir: Path, page: str) -> dict[str, Any]:
    """The glued outputs myst-nb recorded for an executed page (``jupyter_execute``)."""
    path = html_dir.parent / "jupyter_execute" / f"{page}.glue.json"
    assert path.is_file(), f"{path} is missing: did book/{page}.md glue anything?"
    return json.loads(path.read_text(encoding="utf-8"))


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (SyntaxError, ValueError):
        return text


def _is_numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, list | tuple) and value:
        return all(_is_numeric(v) for v in value)
    return False


def _format_plain_text(text: str, fmt_spec: str) -> str:
    """Format a glued ``text/plain`` as myst-nb's ``{glue:text}`` role does.

    The same rule as ``myst_nb.core.variables.format_plain_text`` (myst-nb 1.x), written
    here so that the book tests need only the ``test`` extra: ``nox -s tests`` runs them
    on a book that ``nox -s docs`` built, in an environment without myst-nb. Should
    myst-nb ever format differently, the page shows other text and the test fails.
    """
    value = _literal(text)
    if fmt_spec == "":
        return str(value)
    kind = fmt_spec[-1]
    if kind == "s":
        value = str(value)
    elif kind in "bcdoxX":
        value = int(value)
    elif kind in "eEfFgGn%":
        value = float(value)
    return format(value, fmt_spec)


GLUE_TEXT_ROLE = re.compile(r"\{glue:text\}`([^`]+)`")


def _glue_text_uses(page: str, key: str) -> list[str]:
    """Format specs of every ``{glue:text}`key[:fmt]``` for ``key`` in ``book/<page>.md``."""
    specs = []
    source = (BOOK_DIR / f"{page}.md").read_text(encoding="utf-8")
    for content in GLUE_TEXT_ROLE.findall(source):
        parts = content.rsplit(":", 1)
        name, fmt = (parts[0], parts[1]) if len(parts) == 2 else (parts[0], "s")
        if name == key:
            specs.append(fmt)
    return specs


# -- Tests ----------------------------------------------------------------------------------
@pytest.mark.parametrize("page", _book_pages())
def test_every_page_is_built(html_dir: Path, page: str) -> None:
    soup = _soup(html_dir, page)
    assert _article(soup).get_text(strip=True), f"{page}.html has no content"


ERROR_TEXT = re.compile(r"\b\w*Error\b")
WARNING_TEXT = re.compile(r"\b\w*Warning\b|\bwarnings?\.warn|^\s*warn", re.MULTILINE)


def output_problems(soup: Any) -> list[str]:
    """Tracebacks, error and warning text in the output cells of one page."""
    problems = []
    for output in soup.select("div.cell_output"):
        cell = output.find_parent("div", class_="cell")
        tags = set(cell.get("class", [])) if cell is not None else set()
        text = output.get_text("\n")
        if "Traceback" in text or output.select(".output.traceback, .output.error"):
            problems.append(f"traceback in an output cell: {text[:300]!r}")
        if "tag_expected-error" not in tags and ERROR_TEXT.search(text):
            problems.append(f"error text in an output cell: {text[:300]!r}")
        if "tag_expected-warning" not in tags and (
            WARNING_TEXT.search(text) or output.select(".output.stderr")
        ):
            problems.append(f"warning/stderr text in an output cell: {text[:300]!r}")
    return problems


@pytest.mark.parametrize("page", _book_pages())
def test_no_error_or_warning_in_outputs(html_dir: Path, page: str) -> None:
    problems = output_problems(_soup(html_dir, page))
    assert not problems, f"{page}.html:\n" + "\n".join(problems)


def test_output_problems_are_detected() -> None:
    """The output check itself catches tracebacks, errors, warnings and stderr."""
    html = """
    <div class="cell docutils container"><div class="cell_output docutils container">
      <pre>Traceback (most recent call last)</pre></div></div>
    <div class="cell docutils container"><div class="cell_output docutils container">
      <pre>ValueError: bad</pre></div></div>
    <div class="cell docutils container"><div class="cell_output docutils container">
      <pre>RuntimeWarning: overflow encountered in exp</pre></div></div>
    <div class="cell tag_expected-warning docutils container">
      <div class="cell_output docutils container">
      <pre>RuntimeWarning: overflow encountered in exp</pre></div></div>
    <div class="cell docutils container"><div class="cell_output docutils container">
      <pre>0.5</pre></div></div>
    """
    problems = output_problems(bs4.BeautifulSoup(html, "html.parser"))
    assert len(problems) == 3, problems
    assert "traceback" in problems[0]
    assert "error text" in problems[1]
    assert "warning" in problems[2]


@pytest.mark.parametrize("page", _chapters())
def test_chapter_has_a_figure(html_dir: Path, page: str) -> None:
    images = _article(_soup(html_dir, page)).select("div.cell_output img, figure img")
    assert images, f"{page}.html shows no figure from executed code"


@pytest.mark.parametrize("page", _chapters())
def test_chapter_has_a_glued_value(html_dir: Path, page: str) -> None:
    pasted = _article(_soup(html_dir, page)).select(
        ".pasted-text, .pasted-inline, .pasted-math, .pasted-block"
    )
    assert pasted, f"{page}.html shows no glued value"


@pytest.mark.parametrize("page", _chapters())
def test_chapter_has_a_registered_glue_check(page: str) -> None:
    assert any(check.page == page for check in GLUE_CHECKS), (
        f"book/{page}.md has no recomputed glue value: add tests/book_checks/{page}.py "
        "with CHECKS = {glue key: callable re-running the lrbook call} (see tests/test_book.py)"
    )


def test_glue_checks_name_existing_pages() -> None:
    pages = set(_book_pages())
    stale = [check.id for check in GLUE_CHECKS if check.page not in pages]
    assert not stale, f"GLUE_CHECKS entries for pages that do not exist: {stale}"


@pytest.mark.parametrize(
    "check",
    [c for c in GLUE_CHECKS if (BOOK_DIR / f"{c.page}.md").is_file()],
    ids=lambda c: c.id,
)
def test_glued_value_matches_lrbook(html_dir: Path, check: GlueCheck) -> None:
    glued = _glue_data(html_dir, check.page)
    assert check.key in glued, (
        f"{check.page} glued no value named {check.key!r} (glued: {sorted(glued)})"
    )
    glued_text = glued[check.key]["data"]["text/plain"]
    glued_value = _literal(glued_text)
    expected = check.compute()
    if _is_numeric(glued_value):
        np.testing.assert_allclose(
            np.asarray(glued_value, dtype=float),
            np.asarray(expected, dtype=float),
            rtol=check.rtol,
            atol=check.atol,
            err_msg=f"{check.id}: glued {glued_text} but lrbook now gives {expected!r}",
        )
    else:
        assert glued_text == repr(expected), f"{check.id}: glued {glued_text!r}, now {expected!r}"

    # The page shows the recomputed value, formatted as each {glue:text} role asks.
    shown = [
        span.get_text() for span in _article(_soup(html_dir, check.page)).select(".pasted-text")
    ]
    for fmt in _glue_text_uses(check.page, check.key):
        text = _format_plain_text(repr(expected), fmt)
        assert text in shown, (
            f"{check.page}.html should show {check.key} as {text!r} ({{glue:text}} with "
            f"format {fmt!r}); pasted values on the page: {shown}"
        )


def test_glue_text_formatting_follows_the_format_type() -> None:
    assert _format_plain_text("0.8807970779778823", ".3f") == "0.881"
    assert _format_plain_text("0.25", ".1%") == "25.0%"
    assert _format_plain_text("12.0", "d") == "12"
    assert _format_plain_text("'newton'", "s") == "newton"
    assert _format_plain_text("'newton'", "") == "newton"
    assert _format_plain_text("Eq(x, 1)", "") == "Eq(x, 1)"


def test_numeric_comparison_helpers() -> None:
    assert _is_numeric(_literal("0.5"))
    assert _is_numeric(_literal("[1, 2.5]"))
    assert not _is_numeric(_literal("True"))
    assert not _is_numeric(_literal("Eq(sigma(z), 1/(1 + exp(-z)))"))
    assert math.isclose(float(_literal("0.8807970779778823")), 0.8807970779778823)


# -- Issue 11: what the reader sees ----------------------------------------------------------
# Every page follows the conventions of issue 11 (no machinery in visible cells, every
# figure captioned with alt text, >= 5 checked claims per chapter, a downloadable notebook
# without MyST) except the pages still listed in PENDING_PAGES, issue 11's open work:
# remove a page's line when it is converted; the goal is an empty set.
PENDING_PAGES: set[str] = set()
CONVERTED_PAGES = sorted(
    path.stem for path in BOOK_DIR.glob("*.md") if path.stem not in PENDING_PAGES | {"index"}
)
MIN_CLAIMS_PER_CHAPTER = 5

# Plumbing that must not appear in a code cell the reader sees (hidden cells may use it).
PLUMBING = {
    "glue(...)": re.compile(r"(?<![\w.])glue\("),
    "claim(...)": re.compile(r"(?<![\w.])claim\("),
    "derivation .verify()": re.compile(r"\.verify\(\)"),
    "step-index arithmetic": re.compile(r"\.index\([^)]*\)\s*[-+]"),
    "textwrap": re.compile(r"\btextwrap\b"),
    "warnings.catch_warnings": re.compile(r"\bcatch_warnings\b"),
    "a private lrbook name": re.compile(r"\blrbook\._|\bfrom lrbook import _|lrbook\.book\b"),
    "a hand-built Markdown table": re.compile(
        r"""print\(\s*f?["']\s*\||["']\s*\|\s*["']\.join|\bMarkdown\("""
    ),
}
CLAIM_CALL = re.compile(r"(?<![\w.])claim\(")
HIDDEN_TAGS = {"remove-cell", "remove-input"}


def plumbing_in(source: str) -> list[str]:
    """The kinds of plumbing found in one code cell's source."""
    return [name for name, pattern in PLUMBING.items() if pattern.search(source)]


def _executed_notebook(html_dir: Path, page: str) -> dict[str, Any]:
    path = html_dir.parent / "jupyter_execute" / f"{page}.ipynb"
    assert path.is_file(), f"{path} is missing: was book/{page}.md executed?"
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _code_cells(notebook: dict[str, Any]) -> list[dict[str, Any]]:
    return [cell for cell in notebook["cells"] if cell.get("cell_type") == "code"]


def _visible(cell: dict[str, Any]) -> bool:
    return not HIDDEN_TAGS & set(cell.get("metadata", {}).get("tags", []))


def figure_problems(article: Any) -> list[str]:
    """Images shown without a numbered, captioned figure or without descriptive alt text."""
    problems = []
    for img in article.select("img"):
        alt = (img.get("alt") or "").strip()
        name = img.get("src", "?")
        figure = img.find_parent("figure")
        caption = figure.find("figcaption") if figure is not None else None
        number = caption.select_one(".caption-number") if caption is not None else None
        text = caption.get_text(" ", strip=True) if caption is not None else ""
        if number is not None:
            text = text.replace(number.get_text(" ", strip=True), "", 1).strip()
        if caption is None or number is None or not text:
            problems.append(f"{name}: not in a numbered figure with a caption")
        if not alt or re.search(r"\.(png|svg|jpe?g)$|_images/", alt):
            problems.append(f"{name}: no alt text describing it (alt={alt!r})")
    return problems


MYST_LEFTOVER = re.compile(r"\{[A-Za-z][\w:.-]*\}`[^`]*`|^(?:`{3,}|:{3,})\{[\w:.-]+\}", re.M)


def myst_leftovers(notebook: dict[str, Any]) -> list[str]:
    """MyST roles and directives left in the Markdown cells of a downloaded notebook."""
    found = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "markdown":
            found += MYST_LEFTOVER.findall(_source(cell))
    return found


@pytest.mark.parametrize("page", CONVERTED_PAGES)
def test_visible_code_cells_contain_no_plumbing(html_dir: Path, page: str) -> None:
    problems = [
        f"{kind} in a visible cell:\n{_source(cell)[:400]}"
        for cell in _code_cells(_executed_notebook(html_dir, page))
        if _visible(cell)
        for kind in plumbing_in(_source(cell))
    ]
    assert not problems, f"book/{page}.md (move it to a remove-cell cell):\n" + "\n\n".join(
        problems
    )


def test_plumbing_is_detected() -> None:
    assert plumbing_in('glue("x", 1, display=False)') == ["glue(...)"]
    assert plumbing_in("d.verify()  # proves it") == ["derivation .verify()"]
    assert plumbing_in('steps = range(d.index("a") + 2, 5)') == ["step-index arithmetic"]
    assert plumbing_in("import textwrap") == ["textwrap"]
    assert plumbing_in("with warnings.catch_warnings():") == ["warnings.catch_warnings"]
    assert plumbing_in("from lrbook._validation import check") == ["a private lrbook name"]
    assert plumbing_in('print(f"| {a} | {b} |")') == ["a hand-built Markdown table"]
    assert plumbing_in('print(" | ".join(row))') == ["a hand-built Markdown table"]
    assert plumbing_in('claim("it falls", a < b)') == ["claim(...)"]
    assert plumbing_in("fit = model.fit(X, y)\nprint(f'{fit.score(X, y):.3f}')") == []
    assert plumbing_in("S.claim('step', lhs, rhs); x.index(3)") == []


@pytest.mark.parametrize("page", CONVERTED_PAGES)
def test_every_figure_is_numbered_captioned_and_described(html_dir: Path, page: str) -> None:
    problems = figure_problems(_article(_soup(html_dir, page)))
    assert not problems, f"{page}.html (use {{glue:figure}} with :name:, :alt:, a caption):\n" + (
        "\n".join(problems)
    )


def test_figure_problems_are_detected() -> None:
    html = """
    <div class="cell_output"><img alt="../_images/a.png" src="../_images/a.png"/></div>
    <figure id="fig-b"><img alt="" src="b.png"/>
      <figcaption><p><span class="caption-number">Figure 1.2 </span></p></figcaption></figure>
    <figure id="fig-c"><img alt="Loss against step: it falls" src="c.png"/>
      <figcaption><p><span class="caption-number">Figure 1.3 </span>The loss.</p>
      </figcaption></figure>
    """
    problems = figure_problems(bs4.BeautifulSoup(html, "html.parser"))
    assert [p.split(":")[0] for p in problems] == ["../_images/a.png"] * 2 + ["b.png"] * 2


@pytest.mark.parametrize("page", [p for p in CONVERTED_PAGES if CHAPTER_PATTERN.match(p)])
def test_chapter_checks_enough_claims(html_dir: Path, page: str) -> None:
    """Claims in the executed notebook: the build stops on a cell error, so they all held.

    (The notebook myst-nb writes for a page served from its cache has no outputs, so the
    calls are counted in the source.)
    """
    cells = _code_cells(_executed_notebook(html_dir, page))
    calls = sum(len(CLAIM_CALL.findall(_source(cell))) for cell in cells)
    assert calls >= MIN_CLAIMS_PER_CHAPTER, (
        f"book/{page}.md checks {calls} claims about its results; every sentence that "
        f"interprets an output needs one (lrbook.book.claim in a hidden cell), at least "
        f"{MIN_CLAIMS_PER_CHAPTER} per chapter"
    )


@pytest.mark.parametrize("page", CONVERTED_PAGES)
def test_downloaded_notebook_has_no_myst_left(html_dir: Path, page: str) -> None:
    path = html_dir / "_sources" / f"{page}.ipynb"
    assert path.is_file(), f"{path} (the notebook offered for download) was not written"
    leftovers = myst_leftovers(json.loads(path.read_text(encoding="utf-8")))
    assert not leftovers, f"{path.name} shows raw MyST in plain Jupyter: {leftovers[:10]}"


def test_myst_leftovers_are_detected() -> None:
    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["loss {glue:text}`l:.3f`, see {ref}`ch-x`"]},
            {"cell_type": "markdown", "source": "```{glue:math} eq\n:label: e\n```"},
            {"cell_type": "markdown", "source": "$y \\in \\{0, 1\\}$ and `code`, plain."},
            {"cell_type": "code", "source": "glue('x', {eq}`not markdown`)"},
        ]
    }
    assert myst_leftovers(notebook) == ["{glue:text}`l:.3f`", "{ref}`ch-x`", "```{glue:math}"]


MAX_CODE_LINE = 79


@pytest.mark.parametrize("page", CONVERTED_PAGES)
def test_code_lines_fit_79_characters(html_dir: Path, page: str) -> None:
    long_lines = [
        line
        for cell in _code_cells(_executed_notebook(html_dir, page))
        for line in _source(cell).splitlines()
        if len(line) > MAX_CODE_LINE
    ]
    assert not long_lines, f"book/{page}.md has code lines over {MAX_CODE_LINE} characters:\n" + (
        "\n".join(long_lines)
    )
