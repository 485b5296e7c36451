"""The PDF edition in ``_build/latex`` (marker ``pdf``; ``nox -s pdf`` builds it, then runs this).

Skipped when the PDF or poppler's ``pdftotext`` is missing, unless ``LRBOOK_REQUIRE_PDF=1``
(the ``pdf`` session sets it). What is checked: a sane page count, every chapter title,
no unresolved reference ("??" in the text, "undefined" in the LaTeX log), no overfull line,
the glued numbers and derivations, the figures, each exercise's link to its solution and
every solution at the end of its chapter. ``test_html_book_links_the_pdf`` (also marker
``book``) checks that an HTML build made after the PDF copies and links it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_book import _format_plain_text, _glue_text_uses

pytestmark = pytest.mark.pdf

ROOT = Path(__file__).resolve().parent.parent
BOOK_DIR = ROOT / "book"
LATEX_DIR = Path(os.environ.get("LRBOOK_LATEX_DIR", ROOT / "_build" / "latex")).resolve()
PDF = LATEX_DIR / "lrbook.pdf"
EXECUTED = ROOT / "_build" / "jupyter_execute"
CHAPTER = re.compile(r"^\d\d_.+$")
OVERFULL = re.compile(r"^Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)", re.MULTILINE)
MAX_OVERFULL_PT = 1.0  # below a point nothing visibly runs over the margin


def _pdf_problem() -> str | None:
    if not PDF.is_file():
        return f"the PDF is missing: {PDF} does not exist; build it with `nox -s pdf`"
    for tool in ("pdftotext", "pdfinfo", "pdfimages"):
        if shutil.which(tool) is None:
            return f"{tool} is missing (Debian: apt-get install poppler-utils)"
    return None


@pytest.fixture(scope="module")
def pdf() -> Path:
    problem = _pdf_problem()
    if problem is not None:
        if os.environ.get("LRBOOK_REQUIRE_PDF", "") not in {"", "0"}:
            pytest.fail(problem)
        pytest.skip(problem)
    return PDF


@pytest.fixture(scope="module")
def pages(pdf: Path) -> list[str]:
    """The text of each page (pdftotext, reading order)."""
    out = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True)
    return out.stdout.decode("utf-8").split("\f")[:-1]


@pytest.fixture(scope="module")
def text(pages: list[str]) -> str:
    """The whole text, whitespace collapsed, typographic apostrophes made plain."""
    return " ".join(" ".join(pages).replace("\u2019", "'").split())


@pytest.fixture(scope="module")
def latex_log(pdf: Path) -> str:
    return (LATEX_DIR / "lrbook.log").read_text(encoding="utf-8", errors="replace")


def _pages_in_book() -> list[str]:
    return sorted(p.stem for p in BOOK_DIR.glob("*.md") if p.stem != "index")


def _title(page: str) -> str:
    source = (BOOK_DIR / f"{page}.md").read_text(encoding="utf-8")
    title = next(line[2:] for line in source.splitlines() if line.startswith("# "))
    # In the PDF, \appendix prints "Appendix A" itself (conf.py drops it from the title).
    return re.sub(r"^Appendix [A-Z]: ", "", title).strip()


def _solution_count(page: str) -> int:
    source = (BOOK_DIR / f"{page}.md").read_text(encoding="utf-8")
    return len(re.findall(r"^```\{solution(?:-start)?\}", source, re.MULTILINE))


def test_page_count_is_sane(pdf: Path, pages: list[str]) -> None:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    count = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE).group(1))
    assert count == len(pages)
    chapters = [page for page in _pages_in_book() if CHAPTER.match(page)]
    assert 4 * len(chapters) <= count <= 1000, f"{count} pages for {len(chapters)} chapters"


@pytest.mark.parametrize("page", _pages_in_book())
def test_every_page_title_is_in_the_pdf(text: str, page: str) -> None:
    title = _title(page)
    assert " ".join(title.split()) in text, f"the title of book/{page}.md, {title!r}"


def test_no_unresolved_reference(text: str, latex_log: str) -> None:
    assert "??" not in text, "an unresolved reference prints as ?? in the PDF"
    undefined = re.findall(r"^LaTeX Warning: (?:Hyper r|R)eference `[^']+' .*", latex_log, re.M)
    assert not undefined, "\n".join(undefined[:10])
    assert "There were undefined references" not in latex_log


def test_no_line_runs_over_the_margin(latex_log: str) -> None:
    too_wide = [float(pt) for pt in OVERFULL.findall(latex_log) if float(pt) > MAX_OVERFULL_PT]
    assert not too_wide, f"overfull lines (pt too wide) in {LATEX_DIR / 'lrbook.log'}: {too_wide}"


def test_figures_are_in_the_pdf(pdf: Path) -> None:
    out = subprocess.run(["pdfimages", "-list", str(pdf)], check=True, capture_output=True)
    images = out.stdout.decode().splitlines()[2:]  # two header lines
    chapters = [page for page in _pages_in_book() if CHAPTER.match(page)]
    assert len(images) >= len(chapters), f"only {len(images)} images in the PDF"


@pytest.mark.parametrize("page", [p for p in _pages_in_book() if CHAPTER.match(p)])
def test_glued_numbers_are_in_the_pdf(text: str, page: str) -> None:
    glue_file = EXECUTED / f"{page}.glue.json"
    assert glue_file.is_file(), f"{glue_file} is missing (it is written by the book build)"
    glued = json.loads(glue_file.read_text(encoding="utf-8"))
    shown = 0
    for key, value in glued.items():
        plain = value["data"].get("text/plain")
        for fmt in _glue_text_uses(page, key) if plain is not None else []:
            expected = " ".join(_format_plain_text(plain, fmt).split())
            assert expected in text, f"{page}: glued {key} should show as {expected!r}"
            shown += 1
    assert shown, f"book/{page}.md shows no {{glue:text}} value"


def test_glued_derivations_are_numbered_equations(pdf: Path) -> None:
    tex = (LATEX_DIR / "lrbook.tex").read_text(encoding="utf-8")
    pasted = re.compile(r"^```\{glue:math\} \S+\n:label: (\S+)", re.MULTILINE)
    labels = [
        (page, label)
        for page in _pages_in_book()
        for label in pasted.findall((BOOK_DIR / f"{page}.md").read_text(encoding="utf-8"))
    ]
    assert labels, "the book pastes no derivation with {glue:math}"
    missing = [f"{p}:{lab}" for p, lab in labels if f"\\label{{equation:{p}:{lab}}}" not in tex]
    assert not missing, f"glued derivations missing from the PDF: {missing}"


def test_every_exercise_links_to_its_solution(text: str) -> None:
    expected = sum(_solution_count(page) for page in _pages_in_book())
    assert expected, "the book has no exercise solution"
    assert text.count("Solution on page") == expected
    assert text.count("Solution to Exercise") == expected


@pytest.mark.parametrize("page", [p for p in _pages_in_book() if _solution_count(p)])
def test_solutions_are_at_the_end_of_their_chapter(pages: list[str], page: str) -> None:
    number = int(page[:2])
    lines = [line.strip() for p in pages for line in p.splitlines()]
    heading = [i for i, line in enumerate(lines) if re.fullmatch(rf"{number}\.\d+ Solutions", line)]
    assert len(heading) == 1, f"chapter {number} should have one Solutions section"
    start = heading[0]
    solutions = [
        i for i, line in enumerate(lines) if line.startswith(f"Solution to Exercise {number}.")
    ]
    exercises = [i for i, line in enumerate(lines) if line.startswith(f"Exercise {number}.")]
    later = [i for i, line in enumerate(lines) if re.fullmatch(rf"{number + 1}\.1 .+", line)]
    end = min([i for i in later if i > start], default=len(lines))
    assert len(solutions) == _solution_count(page)
    assert all(start < i < end for i in solutions), "a solution is not in its chapter's end"
    assert exercises, f"no exercise of chapter {number} found"
    assert all(i < start for i in exercises), "an exercise is after the solutions"


@pytest.mark.book
def test_html_book_links_the_pdf(pdf: Path, html_dir: Path) -> None:
    index = html_dir / "index.html"
    if index.stat().st_mtime < pdf.stat().st_mtime and not os.environ.get("LRBOOK_REQUIRE_BOOK"):
        pytest.skip("the HTML book is older than the PDF: `nox -s docs` links it")
    copy = html_dir / "lrbook.pdf"
    assert copy.is_file(), f"{copy} is missing"
    assert copy.read_bytes() == pdf.read_bytes(), f"{copy} is not the PDF"
    assert 'href="lrbook.pdf"' in index.read_text(encoding="utf-8")
