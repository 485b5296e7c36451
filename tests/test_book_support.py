"""lrbook.book: the claim checker used by the book's hidden cells."""

from __future__ import annotations

import numpy as np
import pytest

from lrbook.book import ClaimError, claim, claims_made


def test_true_claim_is_recorded_with_its_values() -> None:
    before = len(claims_made())
    claim("the loss falls", np.float64(0.3) < 0.69, first=0.69, last=0.3)
    made = claims_made()
    assert len(made) == before + 1
    assert made[-1].statement == "the loss falls"
    assert made[-1].values == {"first": 0.69, "last": 0.3}


def test_false_claim_fails_naming_the_statement_and_values() -> None:
    with pytest.raises(ClaimError, match=r'claims "the loss rises".*first=0\.69, last=0\.3'):
        claim("the loss rises", 0.3 > 0.69, first=0.69, last=np.float64(0.3))


def test_false_claim_is_not_recorded() -> None:
    before = len(claims_made())
    with pytest.raises(ClaimError):
        claim("never", False)
    assert len(claims_made()) == before


@pytest.mark.parametrize("holds", [np.array([True, False]), None, 1, "yes"])
def test_condition_must_be_a_boolean_so_a_claim_cannot_pass_by_accident(holds: object) -> None:
    with pytest.raises(TypeError, match="holds must be a boolean"):
        claim("something", holds)


def test_numpy_booleans_are_conditions() -> None:
    claim("all positive", np.all(np.arange(1, 4) > 0))
    with pytest.raises(ClaimError):
        claim("all negative", np.all(np.arange(1, 4) < 0))


@pytest.mark.parametrize("statement", ["", "   ", None])
def test_statement_must_be_text(statement: object) -> None:
    with pytest.raises(TypeError, match="statement must be a non-empty string"):
        claim(statement, True)  # type: ignore[arg-type]


def test_long_arrays_are_summarised_in_the_message() -> None:
    with pytest.raises(ClaimError) as info:
        claim("short", False, curve=np.arange(1000.0))
    assert len(str(info.value)) < 300


# -- the notebook offered for download ------------------------------------------------------
def _markdown(source: str, glued: dict | None = None, labels: dict | None = None) -> dict:
    from lrbook.book import notebook_for_download

    notebook = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": source}]}
    return notebook_for_download(notebook, glued or {}, labels or {})["cells"][0]


def test_download_pastes_glued_values_in_the_page_format() -> None:
    cell = _markdown(
        "loss {glue:text}`loss:.3f`, {glue:text}`word`, gap {glue:md}`gap`",
        {
            "loss": {"text/plain": "0.69314718"},
            "word": {"text/plain": "'faster'"},
            "gap": {"text/plain": "Scientific(...)", "text/markdown": "$2.2 \\times 10^{-16}$"},
        },
    )
    assert cell["source"] == "loss 0.693, faster, gap $2.2 \\times 10^{-16}$"


def test_download_resolves_references_and_drops_targets() -> None:
    cell = _markdown(
        "(sec-x)=\nSee {ref}`ch-sgd`, {ref}`this part <sec-x>`, equation {eq}`eq-a`, "
        "{numref}`fig-a` and {py:func}`lrbook.sigmoid`.",
        labels={"ch-sgd": "Stochastic gradient descent", "eq-a": "3.2", "fig-a": "Figure 3.1"},
    )
    assert cell["source"] == (
        "\nSee Stochastic gradient descent, this part, equation (3.2), Figure 3.1 and "
        "`lrbook.sigmoid`."
    )


def test_download_turns_directives_into_plain_markdown() -> None:
    source = (
        "```{glue:math} eq_one\n:label: eq-one\n```\n\n"
        "```{exercise} Try it\n:label: ex-1\n\nDo this.\n```\n\n"
        "```{solution-start} ex-1\n:class: dropdown\n```\n\nAnswer.\n\n"
        "```{solution-end}\n```\n\n"
        "````{admonition} The derivation\n:class: dropdown\n\n```{glue:math} eq_two\n```\n````"
    )
    marked = "%lrbook:derivation\n%lrbook:step why\nc"  # HTML layout marks: dropped
    glued = {"eq_one": {"text/latex": "$a = b$"}, "eq_two": {"text/latex": f"${marked}$"}}
    text = _markdown(source, glued)["source"]
    assert text == (
        "$$\na = b\n$$\n\n**Exercise: Try it**\n\nDo this.\n\n**Solution**\n\nAnswer.\n\n"
        "\n**The derivation**\n\n$$\nc\n$$"
    )


def test_download_attaches_glued_figures_with_their_alt_text() -> None:
    cell = _markdown(
        "```{glue:figure} fig-a\n:name: fig-a\n:alt: A falling curve.\n\nThe caption.\n```",
        {"fig-a": {"image/png": "iVBORw0KGgo="}},
    )
    assert cell["source"] == "![A falling curve.](attachment:fig-a.png)\n\nThe caption."
    assert cell["attachments"] == {"fig-a.png": {"image/png": "iVBORw0KGgo="}}


def test_unresolved_myst_finds_roles_and_directives_only_in_markdown() -> None:
    from lrbook.book import unresolved_myst

    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": ["a {ref}`x` and $\\{0, 1\\}$\n", "```{note}\n"]},
            {"cell_type": "code", "source": "s = '{eq}`y`'"},
        ]
    }
    assert unresolved_myst(notebook) == ["{ref}`x`", "```{note}"]


def test_scientific_numbers_read_as_powers_of_ten() -> None:
    from lrbook.book import scientific

    assert scientific(4.8e-06).latex() == r"4.8 \times 10^{-6}"
    assert scientific(-2.2e-16, 1)._repr_latex_() == r"$-2 \times 10^{-16}$"
    assert repr(scientific(-4.83e-6)) == "-4.8 \u00d7 10\u207b\u2076"
    assert scientific(12345.0, 3).latex() == r"1.23 \times 10^{4}"
    assert scientific(0.5).latex() == "0.5"
