"""The machinery shared by every check: result objects, diagnoses, calling the reader's code.

A check is a list of named *steps*. Each step calls the reader's function (through
:func:`call`, which turns NumPy warnings into failures and notices modified inputs) and
raises :class:`Fail` with the key of a :class:`Diagnosis` when something is wrong. The
runner stops at the first failure and builds a :class:`CheckResult`.
"""

from __future__ import annotations

import copy
import html
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# A section of the book, as printed in hints: (chapter number, section title).
Section = tuple[int, str]


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


@dataclass
class Step:
    """One item of a check's battery and its outcome.

    Attributes
    ----------
    name : str
        What is tested, in a few words.
    passed : bool or None
        ``True``/``False`` once run; ``None`` when not run (after an earlier failure).
    detail : str
        For a failed step: what came out, and what was expected.
    """

    name: str
    passed: bool | None = None
    detail: str = ""


@dataclass
class CheckResult:
    """Outcome of one ``check_*`` function; print it (or display it in Jupyter) for feedback.

    Attributes
    ----------
    name : str
        What was checked, e.g. ``"sigmoid"``.
    passed : bool
        Whether every step passed.
    steps : list of Step
        Every step of the battery in order, with its outcome (``None``: not run).
    diagnosis : Diagnosis or None
        The likely mistake behind the first failure (``None`` when all passed).
    notes : list of str
        Extra remarks (e.g. steps of a pipeline that were not given).
    """

    name: str
    passed: bool
    steps: list[Step]
    diagnosis: Diagnosis | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def failed_step(self) -> Step | None:
        """The first failed step, or ``None``."""
        return next((s for s in self.steps if s.passed is False), None)

    @property
    def n_passed(self) -> int:
        """Number of steps that passed."""
        return sum(1 for s in self.steps if s.passed)

    def _lines(self) -> tuple[str, list[str], list[str]]:
        total = len(self.steps)
        if self.passed:
            head = f"{self.name}: all {total} checks passed."
        else:
            head = f"{self.name}: {self.n_passed} of {total} checks passed, then one failed."
        ran = [f"{'✓' if s.passed else '✗'} {s.name}" for s in self.steps if s.passed is not None]
        skipped = [s.name for s in self.steps if s.passed is None]
        return head, ran, skipped

    def __str__(self) -> str:
        head, ran, skipped = self._lines()
        lines = [head, ""]
        for text, step in zip(ran, (s for s in self.steps if s.passed is not None), strict=True):
            lines.append("  " + text)
            if step.passed is False and step.detail:
                lines.extend("      " + part for part in step.detail.splitlines())
        if self.diagnosis is not None:
            d = self.diagnosis
            lines += ["", f"Likely cause: {d.title}", f"  Why: {d.why}", f"  Read: {d.hint}."]
        if skipped:
            lines += ["", "Not run yet (after the first failure): " + "; ".join(skipped) + "."]
        lines += ["", *self.notes] if self.notes else []
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        esc = html.escape
        head, _, skipped = self._lines()
        colour = "#1a7f37" if self.passed else "#b42318"
        parts = [
            '<div class="lrbook-check" style="border-left:4px solid '
            f'{colour};padding:0.3em 0.8em;margin:0.3em 0">',
            f'<p style="margin:0.2em 0;font-weight:bold;color:{colour}">{esc(head)}</p>',
            '<ul style="list-style:none;padding-left:0.5em;margin:0.2em 0">',
        ]
        for step in self.steps:
            if step.passed is None:
                continue
            mark = "✓" if step.passed else "✗"
            item = f"{mark} {esc(step.name)}"
            if step.passed is False and step.detail:
                item += f'<pre style="margin:0.2em 0 0.2em 1.5em;white-space:pre-wrap">{esc(step.detail)}</pre>'
            parts.append(f"<li>{item}</li>")
        parts.append("</ul>")
        if self.diagnosis is not None:
            d = self.diagnosis
            parts.append(
                f'<p style="margin:0.3em 0"><b>Likely cause: {esc(d.title)}</b><br>'
                f"Why: {esc(d.why)}<br>Read: {esc(d.hint)}.</p>"
            )
        if skipped:
            parts.append(
                '<p style="margin:0.2em 0;color:#57606a">Not run yet (after the first '
                f"failure): {esc('; '.join(skipped))}.</p>"
            )
        parts.extend(f'<p style="margin:0.2em 0">{esc(note)}</p>' for note in self.notes)
        parts.append("</div>")
        return "".join(parts)


class Fail(Exception):
    """Raised inside a step: ``detail`` says what happened, ``key`` names the diagnosis."""

    def __init__(self, detail: str, key: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.key = key


def run_battery(
    name: str,
    steps: list[tuple[str, Callable[[], None]]],
    diagnoses: Mapping[str, Diagnosis],
    notes: list[str] | None = None,
) -> CheckResult:
    """Run ``steps`` in order until one raises :class:`Fail`; return the result."""
    done = [Step(step_name) for step_name, _ in steps]
    diagnosis = None
    for record, (_, body) in zip(done, steps, strict=True):
        try:
            body()
        except Fail as fail:
            record.passed, record.detail = False, fail.detail
            diagnosis = diagnoses[fail.key]
            break
        record.passed = True
    return CheckResult(
        name=name,
        passed=diagnosis is None,
        steps=done,
        diagnosis=diagnosis,
        notes=list(notes or []),
    )


# ---------------------------------------------------------------- calling the reader's code
def _snapshot(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    return copy.copy(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return (
            isinstance(b, np.ndarray)
            and a.shape == b.shape
            and bool(np.array_equal(a, b, equal_nan=True))
        )
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return True  # callables, numbers: nothing to compare


def call(fn: Callable[..., Any], args: tuple[Any, ...], where: str, names: tuple[str, ...]) -> Any:
    """Call the reader's ``fn(*args)`` with NumPy warnings as errors.

    Raises :class:`Fail` when ``fn`` raises (diagnosed from the exception), warns, or
    modifies one of its array arguments. ``where`` describes the input for messages
    (e.g. ``"z = [-1000, 1000]"``); ``names`` are the argument names.
    """
    before = [_snapshot(a) for a in args]
    try:
        with (
            warnings.catch_warnings(),
            np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"),
        ):
            warnings.simplefilter("error")
            out = fn(*args)
    except Fail:
        raise
    except RuntimeWarning as warning:
        raise Fail(f"on {where} NumPy warned: {warning}", _warning_key(str(warning))) from None
    except NotImplementedError:
        raise Fail(
            "your function raised NotImplementedError, the placeholder of the starting cell",
            "not_implemented",
        ) from None
    except Exception as exc:  # the reader's code may raise anything: diagnose it
        raise Fail(
            f"on {where} your function raised {type(exc).__name__}: {exc}", _exception_key(exc)
        ) from None
    for name, old, new in zip(names, before, args, strict=True):
        if not _same(old, new):
            raise Fail(
                f"after the call on {where}, the argument {name} has changed: your function "
                "modified its input in place",
                "mutates_input",
            )
    return out


def _warning_key(message: str) -> str:
    if "overflow" in message:
        return "overflow_exp"
    if "divide by zero" in message and "log" in message:
        return "log_zero"
    if "divide by zero" in message:
        return "divide_by_zero"
    return "invalid_value"


def _exception_key(exc: Exception) -> str:
    text = str(exc)
    if isinstance(exc, TypeError) and (
        "only length-1" in text or "only 0-dimensional" in text or "only size-1" in text
    ):
        return "not_vectorised"
    if "could not be broadcast" in text or "matmul" in text or "shapes" in text:
        return "shape_mismatch"
    if "Cannot cast ufunc" in text or "casting rule" in text:
        return "integer_inplace"
    return "raised"


# ----------------------------------------------------------------------- comparing arrays
def as_float_array(out: Any, what: str, expected_shape: tuple[int, ...]) -> np.ndarray:
    """``out`` as an array of the expected shape, or :class:`Fail` with a shape diagnosis."""
    if out is None:
        raise Fail(f"{what} returned None: did you forget the return statement?", "returns_none")
    try:
        arr = np.asarray(out)
    except Exception:
        raise Fail(f"{what} returned a {type(out).__name__}, not an array", "wrong_type") from None
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise Fail(
            f"{what} returned a {type(out).__name__} of dtype {arr.dtype}, not numbers",
            "wrong_type",
        )
    if arr.shape != expected_shape:
        key = "wrong_shape"
        if arr.size == math.prod(expected_shape) and arr.shape != expected_shape:
            key = "column_shape" if arr.ndim == 2 and 1 in arr.shape else "transposed"
        if arr.shape == expected_shape[::-1] and arr.ndim == 2 and 1 not in arr.shape:
            key = "transposed"
        raise Fail(f"{what} returned shape {arr.shape}, expected shape {expected_shape}", key)
    return arr


def show(values: Any, digits: int = 6) -> str:
    """A short printed form of numbers for messages."""
    arr = np.asarray(values, dtype=float)
    with np.printoptions(precision=digits, suppress=False, threshold=8, edgeitems=3):
        return str(arr) if arr.ndim else f"{float(arr):.{digits}g}"


def close(got: Any, want: Any, rtol: float = 1e-7, atol: float = 1e-12) -> bool:
    """Whether two arrays agree (same shape, NaN never agrees)."""
    g = np.asarray(got, dtype=float)
    w = np.asarray(want, dtype=float)
    return g.shape == w.shape and bool(np.allclose(g, w, rtol=rtol, atol=atol))


def match(got: Any, candidates: Mapping[str, Any], rtol: float = 1e-6) -> str | None:
    """The key of the first candidate (a typical wrong answer) that ``got`` equals."""
    for key, value in candidates.items():
        if close(got, value, rtol=rtol, atol=1e-10):
            return key
    return None


def ratio_key(got: Any, want: Any, n: int) -> str | None:
    """``"sum_not_mean"`` / ``"sign_error"`` / ``"no_mean_twice"`` for constant ratios."""
    g = np.asarray(got, dtype=float).ravel()
    w = np.asarray(want, dtype=float).ravel()
    if g.shape != w.shape or not np.all(np.isfinite(g)):
        return None
    return match(g, {"sum_not_mean": n * w, "sign_error": -w, "sum_and_sign": -n * w})


# ------------------------------------------------------------------------- shared diagnoses
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
    sections: Mapping[str, Section], default: Section, extra: Mapping[str, tuple[str, str]]
) -> dict[str, Diagnosis]:
    """The common diagnoses plus a check's own ``extra`` ones (key -> (title, why)).

    ``sections`` picks the chapter and section for a key; every other key gets ``default``.
    """

    def section_of(key: str) -> Section:
        return sections.get(key, default)

    out = common_diagnoses(section_of)
    out.update({k: Diagnosis(k, t, w, section_of(k)) for k, (t, w) in extra.items()})
    return out
