r"""The HTML layout of derivations: each step's justification in a column beside it.

``Derivation.latex`` marks its blocks with TeX comments (``%lrbook:derivation``,
``%lrbook:step LABEL``); ``conf.py`` parses them (:func:`derivation_steps`) and writes a
grid of cells (:func:`derivation_html`) instead of one ``aligned`` block. Here: the parser
recovers every step of every derivation of the package exactly, leaves other maths alone
and refuses a marked block it cannot read; the markers change nothing TeX sees; and in
the built book every derivation is such a grid, with its equation number and anchor.
(tests/test_browser.py checks where the justifications end up on screen.)
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
import sympy as sp

from lrbook.symbolic import DERIVATIONS, Derivation, claim, get_derivation, sigmoid

ROOT = Path(__file__).resolve().parent.parent


def _conf() -> Any:
    spec = importlib.util.spec_from_file_location("lrbook_conf_for_tests", ROOT / "conf.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


conf = _conf()


def _why(label: str) -> str:
    parts = " ".join(label.split()).split("$")
    return "".join(rf"\({p}\)" if i % 2 else p for i, p in enumerate(parts))


@pytest.mark.parametrize("name", list(DERIVATIONS))
def test_every_step_is_recovered(name: str) -> None:
    d = get_derivation(name)
    steps = conf.derivation_steps(d.latex())
    assert steps is not None
    assert len(steps) == len(d.steps)
    for i, ((lhs, relation, rhs, why), step) in enumerate(zip(steps, d.steps, strict=True)):
        assert why == _why(step.label)
        assert "$" not in why
        whole = d.step_latex(i)  # "lhs rel rhs", the left-hand side always written
        assert whole.endswith(f" {relation} {rhs}"), (whole, relation, rhs)
        if lhs:
            assert whole == f"{lhs} {relation} {rhs}"
        else:  # a chain step continues the previous one: "= rhs"
            assert step.kind == "chain"
            assert i > 0
    instance = conf.derivation_steps(d.latex(form="instance"))
    assert instance is not None
    assert len(instance) == len(d.steps)


@pytest.mark.parametrize("name", list(DERIVATIONS))
def test_markers_are_comments_only(name: str) -> None:
    """Without its comment lines, the block is the old one, token for token (the PDF)."""
    d = get_derivation(name)
    marked = d.latex()
    assert marked.count(conf.DERIVATION_MARK) == 1
    assert marked.count(conf.STEP_MARK) == len(d.steps)
    assert "\n\n" not in marked
    kept = " ".join(line for line in marked.splitlines() if not line.startswith("%"))
    rows = [d.latex(steps=[i], annotate="below").splitlines() for i in range(len(d.steps))]
    assert all(sum(line.startswith("%") for line in row) == 2 for row in rows)
    # the comment never swallows TeX: each comment line is a whole line of its own
    assert all(line.startswith("%lrbook:") for line in marked.splitlines() if "%" in line)
    assert re.sub(r"\s+", " ", kept).count(r"\\[-0.5ex]") == sum(1 for s in d.steps if s.label)


def test_other_maths_are_left_alone() -> None:
    d = get_derivation("sigmoid")
    for latex in (
        d.latex(annotate=False),
        d.latex(annotate="right"),
        d.step_latex(0),
        r"\frac{1}{2}",
        "\\begin{aligned}\nx &= 1\n\\end{aligned}",
    ):
        assert conf.derivation_steps(latex) is None, latex


@pytest.mark.parametrize(
    "latex",
    [
        "%lrbook:derivation",
        "x\n%lrbook:derivation\n%lrbook:step a\nx\n &= 1\n\\end{aligned}",
        "\\begin{aligned}\n%lrbook:derivation\nx &= 1\n\\end{aligned}",
        "\\begin{aligned}\n%lrbook:derivation\n%lrbook:step a\nx = 1\n\\end{aligned}",
        "\\begin{aligned}\n%lrbook:derivation\n%lrbook:step a\nx\ny\n &= 1\n\\end{aligned}",
        "\\begin{aligned}\n%lrbook:derivation\n%lrbook:step a\nx\n &= 1 \\\\\nz\n\\end{aligned}",
    ],
)
def test_a_marked_block_it_cannot_read_is_an_error(latex: str) -> None:
    with pytest.raises(ValueError, match="lrbook"):
        conf.derivation_steps(latex)


def test_grid_cells() -> None:
    z = sp.Symbol("z", real=True)
    d = Derivation(
        "demo",
        "Demo",
        [
            claim("definition", sigmoid(z), 1 / (1 + sp.exp(-z))),
            claim("for $z < 0$ & $z \\geq 0$", 1 - sigmoid(z), sigmoid(-z)),
            claim("", sigmoid(z), 0, rel=">"),
        ],
    )
    steps = conf.derivation_steps(d.latex())
    assert steps == [
        (r"\sigma\left(z\right)", "=", r"\frac{1}{1 + e^{- z}}", "definition"),
        (
            r"1 - \sigma\left(z\right)",
            "=",
            r"\sigma\left(- z\right)",
            r"for \(z < 0\) & \(z \geq 0\)",
        ),
        (r"\sigma\left(z\right)", ">", "0", ""),
    ]
    html = conf.derivation_html(steps)
    assert html.startswith('<div class="lrbook-steps">')
    assert html.endswith("</div>")
    assert html.count('<span class="lrbook-lhs">') == 3
    assert html.count('<span class="lrbook-why">') == 3
    assert r'<span class="lrbook-rhs">\(\displaystyle {}= \frac{1}{1 + e^{- z}}\)</span>' in html
    assert r'<span class="lrbook-rhs">\(\displaystyle {}&gt; 0\)</span>' in html
    # the justification is text: HTML special characters escaped, maths for MathJax
    assert r'<span class="lrbook-why">for \(z &lt; 0\) &amp; \(z \geq 0\)</span>' in html
    assert "$" not in html


def _chapters() -> list[str]:
    return sorted(p.stem for p in (ROOT / "book").glob("[0-9][0-9]_*.md"))


@pytest.mark.book
def test_built_derivations_are_grids_with_their_numbers(html_dir: Path) -> None:
    bs4 = pytest.importorskip("bs4")
    grids = numbered = 0
    for page in [*_chapters(), "appendix_a_derivations"]:
        path = html_dir / f"{page}.html"
        if not path.is_file():
            continue
        article = bs4.BeautifulSoup(path.read_text("utf-8"), "html.parser").select_one("article")
        assert article is not None
        for block in article.select("div.math"):
            assert "%lrbook:" not in block.get_text(), f"{page}: a marked block left as TeX"
        for block in article.select("div.lrbook-derivation"):
            grids += 1
            assert {"math", "notranslate"} <= set(block["class"]), block["class"]
            cells = block.select(":scope > div.lrbook-steps > span")
            assert cells, f"{page}: a derivation without steps"
            assert len(cells) % 3 == 0, f"{page}: {len(cells)} cells"
            number = block.select_one(":scope > span.eqno")
            if block.get("id", "").startswith("equation-"):
                numbered += 1
                assert number is not None, f"{page}: #{block['id']} lost its number"
                link = number.select_one("a.headerlink")
                assert link is not None
                assert link["href"] == f"#{block['id']}"
                assert re.fullmatch(r"\([A-Z0-9.]+\)#?", number.get_text(strip=True))
    assert grids > 0, "no derivation was laid out as a grid"
    assert numbered > 0, "no numbered derivation was laid out as a grid"
