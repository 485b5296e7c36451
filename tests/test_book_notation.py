"""The book's one notation (issue 12; the Notation page, book/notation.md).

Source-level checks of ``book/*.md`` (no build needed): outside the page that translates
course notation, no page uses ``m`` for the number of samples or ``n_x`` for the number of
features, in maths or in prose. The built-book check (marker ``book``): no displayed
equation of a chapter's main text (outside dropdowns) shows the instance a derivation was
proved at (``n = 3``) or a stable-kernel primitive (``expm1``, ``log1p``, ``softplus``)
outside a section about numerical stability.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

BOOK_DIR = Path(__file__).resolve().parent.parent / "book"
COURSE_PAGE = "course_notation"
MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+)\$", re.S)
# `m` as a count: a lone m in maths (not \mathbf, not a unit after a number) ...
M_IN_MATH = re.compile(r"(?<![\\A-Za-z])m(?![A-Za-z{])")
# ... or in prose: "m samples", "m examples", "the book's m"
M_IN_PROSE = re.compile(r"\b(?:m|n_x)\s+(?:samples|examples|training examples|rows)\b")
N_X = re.compile(r"n_\{?x\}?")


def _prose(text: str) -> str:
    """The Markdown text of a page without its front matter and code cells."""
    lines = text.split("\n")
    if lines and lines[0] == "---":
        lines = lines[lines.index("---", 1) + 1 :]
    out, in_code = [], False
    for line in lines:
        if line.startswith("```{code-cell"):
            in_code = True
        elif in_code and line.rstrip() == "```":
            in_code = False
        elif not in_code:
            out.append(line)
    return "\n".join(out)


def notation_problems(text: str) -> list[str]:
    """Uses of course notation (``m`` samples, ``n_x`` features) in one page's prose."""
    prose = _prose(text)
    problems = [f"prose: {m.group(0)!r}" for m in M_IN_PROSE.finditer(prose)]
    for match in MATH.finditer(prose):
        maths = match.group(1) or match.group(2)
        if M_IN_MATH.search(maths) or N_X.search(maths):
            problems.append(f"maths: ${maths.strip()[:80]}$")
    return problems


def test_notation_problems_are_detected() -> None:
    assert notation_problems("with $\\alpha = 1/(C m)$ here") == ["maths: $\\alpha = 1/(C m)$"]
    assert notation_problems("over m samples") == ["prose: 'm samples'"]
    assert notation_problems("$X$ is $n_x \\times m$") != []
    assert notation_problems("$\\mathbf{w}$, $n \\times d$, 5 mm, $\\mathrm{ms}$") == []


def test_notation_and_course_pages_exist() -> None:
    assert (BOOK_DIR / "notation.md").is_file()
    assert (BOOK_DIR / f"{COURSE_PAGE}.md").is_file()


@pytest.mark.parametrize(
    "page", sorted(p.stem for p in BOOK_DIR.glob("*.md") if p.stem != COURSE_PAGE)
)
def test_pages_use_the_books_notation(page: str) -> None:
    problems = notation_problems((BOOK_DIR / f"{page}.md").read_text(encoding="utf-8"))
    assert not problems, (
        f"book/{page}.md uses course notation (the book writes n samples, d features; "
        "see book/notation.md):\n" + "\n".join(problems)
    )


CHAPTERS = sorted(p.stem for p in BOOK_DIR.glob("[0-9][0-9]_*.md"))


@pytest.mark.parametrize("page", CHAPTERS)
def test_every_chapter_links_the_notation_page(page: str) -> None:
    text = (BOOK_DIR / f"{page}.md").read_text(encoding="utf-8")
    assert "{ref}`notation`" in text, f"book/{page}.md: link the Notation page ({{ref}}`notation`)"


# -- the built book: main-text derivations show the general statement -----------------------
INSTANCE_IN_MATHS = re.compile(r"\b[ndK]\s*=\s*\d|\\text\{[^}]*\bhere\b")
KERNEL_PRIMITIVE = re.compile(r"expm1|log1p|softplus|\\log\s*\\operatorname\{1p\}")
STABILITY_HEADING = re.compile(r"stab|overflow|overconfident|floating|extreme|precision", re.I)
# chapters whose derivation displays are not yet converted (issue 12's open work)
PENDING_DISPLAYS: set[str] = set()


def display_problems(article: object) -> list[str]:
    """Displayed maths of the main text showing an instance size or a kernel primitive."""
    problems = []
    for block in article.select("div.math"):  # type: ignore[attr-defined]
        if block.find_parent(["details"]) or block.find_parent(class_="dropdown"):
            continue
        text = block.get_text(" ", strip=True)
        if INSTANCE_IN_MATHS.search(text):
            problems.append(f"an instance size in: {text[:100]}")
        for why in block.select("span.lrbook-why"):  # a justification as text (conf.py)
            if re.search(r"\bhere\b", why.get_text(" ", strip=True)):
                problems.append(f"an instance ('here') in: {why.get_text(' ', strip=True)}")
        if KERNEL_PRIMITIVE.search(text):
            section = block.find_parent("section")
            heading = section.find(["h1", "h2", "h3"]) if section is not None else None
            title = heading.get_text(" ", strip=True) if heading is not None else ""
            if not STABILITY_HEADING.search(title):
                problems.append(
                    f"a kernel primitive outside a stability section ({title}): {text[:100]}"
                )
    return problems


@pytest.mark.book
@pytest.mark.parametrize("page", [p for p in CHAPTERS if p not in PENDING_DISPLAYS])
def test_main_text_derivations_are_general(html_dir: Path, page: str) -> None:
    bs4 = pytest.importorskip("bs4")
    html = (html_dir / f"{page}.html").read_text(encoding="utf-8")
    article = bs4.BeautifulSoup(html, "html.parser").select_one("article")
    assert article is not None
    problems = display_problems(article)
    assert not problems, f"{page}.html (move instances into a 'How this was verified' " + (
        "dropdown, kernel forms into a stability section or Appendix A):\n" + "\n".join(problems)
    )
