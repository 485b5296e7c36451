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
