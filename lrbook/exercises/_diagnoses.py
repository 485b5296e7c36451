"""Diagnoses of typical mistakes, and the sections of the book their hints point to."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

# A section of the book, as printed in hints: (chapter number, section title).
Section = tuple[int, str]

# Sections that the hints of several checks point to.
OVERFLOWS: Section = (2, "The textbook formula overflows")
OVERCONFIDENT: Section = (3, "Overconfident wrong predictions")
MEAN_OR_SUM: Section = (4, "Mean or sum?")
ROWS_OR_COLUMNS: Section = (4, "Samples in rows or in columns")
ONE_AT_A_TIME: Section = (6, "One example at a time")
LEARNING_RATE: Section = (7, "Choosing the learning rate")


@dataclass(frozen=True)
class Diagnosis:
    """A named typical mistake: what it is, why it gives the observed failure, where to read.

    Attributes
    ----------
    key : str
        Stable identifier, e.g. ``"overflow_exp"`` (tests and programs compare this).
    title : str
        One line naming the mistake, e.g. ``"overflow in exp at z = -1000"``.
    why : str
        Why the observed failure points to this mistake, and how to fix it (without
        giving the solution away).
    section : tuple of (int, str)
        Chapter number and section title of the book that explains the point.
    """

    key: str
    title: str
    why: str
    section: Section

    @property
    def hint(self) -> str:
        """Where to read: ``'chapter 2, section "The textbook formula overflows"'``."""
        chapter, title = self.section
        return f'chapter {chapter}, section "{title}"'


def common_diagnoses(section_of: Callable[[str], Section]) -> dict[str, Diagnosis]:
    """Diagnoses every check shares; ``section_of(key)`` picks the chapter to read."""
    entries = {
        "not_implemented": (
            "not implemented yet",
            "replace the line raise NotImplementedError with the body of your function, "
            "then run the check again.",
        ),
        "raised": (
            "your function raised an exception",
            "the message above says where; run your function on the input shown to see the "
            "traceback.",
        ),
        "returns_none": (
            "nothing returned",
            "a Python function without a return statement returns None. Return the result.",
        ),
        "wrong_type": (
            "the result is not an array of numbers",
            "return a NumPy array (or a float where a single number is asked for).",
        ),
        "mutates_input": (
            "mutating the input",
            "in-place operations (z -= ..., z *= ..., np.exp(z, out=z), x[i] += h without "
            "restoring) change the caller's array, so later code sees different data. Work "
            "on a new array: write z = z - c instead of z -= c, or copy first.",
        ),
        "not_vectorised": (
            "not vectorised: fails on arrays",
            "math.exp, math.log and if/else on a whole array work only for single numbers. "
            "Use NumPy's functions (np.exp, np.log, np.where), which act element-wise.",
        ),
        "shape_mismatch": (
            "shapes do not fit together",
            "a matrix product or broadcast failed. Write the shape of every intermediate "
            "array next to its line: samples are rows, so X is (n, d) and w is (d,).",
        ),
        "integer_inplace": (
            "integer-dtype parameters updated in place",
            "an in-place update like w -= step cannot store floats in an integer array. "
            "Start from a float copy: w = np.array(w0, dtype=float).",
        ),
        "wrong_shape": (
            "wrong shape",
            "the result must have exactly the shape stated in the task; check which axis "
            "you summed over and whether a reshape is missing.",
        ),
        "column_shape": (
            "transposed: a column (d, 1) instead of a flat vector (d,)",
            "a (d, 1) column and a (d,) vector broadcast differently (their difference is a "
            "(d, d) matrix). Keep vectors 1-D: use .ravel() or index with [:, 0].",
        ),
        "transposed": (
            "transposed result",
            "the values are there but in the transposed layout. Samples are rows: X has "
            "shape (n, d), and the gradient has the shape of the parameter.",
        ),
        "overflow_exp": (
            "overflow in exp",
            "np.exp(x) exceeds the largest float64 (about 1.8e308) once x > 709.78, e.g. "
            "exp(-z) at z = -1000. Never exponentiate a large positive number: compute from "
            "exp(-|z|), which lies in (0, 1], or shift by the maximum first.",
        ),
        "log_zero": (
            "log(0) -> -inf at extreme logits",
            "a probability that rounds to exactly 0 or 1 (sigma(40) is 1.0 in float64) makes "
            "log(p) or log(1 - p) infinite. Compute log-probabilities from the logits "
            "directly (log sigma(z) = -softplus(-z)), never from rounded probabilities.",
        ),
        "divide_by_zero": (
            "division by zero",
            "a denominator became exactly 0 for extreme inputs (e.g. 1 + exp(z) rounded, or "
            "a sum of underflowed exponentials). Rewrite so that every denominator is at "
            "least 1.",
        ),
        "invalid_value": (
            "invalid value (NaN) for extreme inputs",
            "inf - inf, inf / inf or 0 * inf produced NaN, typically exp(z) / (1 + exp(z)) "
            "at z = 1000 or exp(z) / sum(exp(z)) with overflowing terms. Compute from "
            "exponentials of non-positive numbers only.",
        ),
    }
    return {
        key: Diagnosis(key, title, why, section_of(key)) for key, (title, why) in entries.items()
    }


def diagnoses_for(
    default: Section,
    read_elsewhere: Mapping[Section, tuple[str, ...]],
    extra: Mapping[str, tuple[str, str]],
) -> dict[str, Diagnosis]:
    """The common diagnoses plus a check's own ``extra`` ones (key -> (title, why)).

    ``read_elsewhere`` maps a section of the book to the keys it explains; every other
    key gets ``default``.
    """
    sections = {key: section for section, keys in read_elsewhere.items() for key in keys}

    def section_of(key: str) -> Section:
        return sections.get(key, default)

    out = common_diagnoses(section_of)
    out.update({k: Diagnosis(k, t, w, section_of(k)) for k, (t, w) in extra.items()})
    return out
