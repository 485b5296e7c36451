"""The machinery shared by every check: result objects, the runner, calling the reader's code.

A check is a list of named *steps*. Each step calls the reader's function (through
:func:`call`, which turns NumPy warnings into failures and notices modified inputs) and
raises :class:`Fail` with the key of a :class:`~lrbook.exercises.Diagnosis` when something
is wrong. The runner stops at the first failure and builds a :class:`CheckResult`. The
diagnoses and the book sections their hints name are in ``_diagnoses``; the comparisons
of results with expected values in ``_compare``.
"""

from __future__ import annotations

import copy
import html
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lrbook.exercises._diagnoses import Diagnosis


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
