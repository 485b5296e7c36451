"""Checks of element-wise and row-wise functions: sigmoid, binary cross-entropy, softmax."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from lrbook import kernels
from lrbook._primitives import sigmoid, softmax
from lrbook.exercises._compare import as_float_array, close, match, show
from lrbook.exercises._core import CheckResult, Fail, call, run_battery
from lrbook.exercises._diagnoses import ONE_AT_A_TIME, OVERCONFIDENT, OVERFLOWS, diagnoses_for

SIGMOID_DIAGNOSES = diagnoses_for(
    (2, "Scores are not probabilities"),
    {
        OVERFLOWS: ("overflow_exp", "invalid_value", "divide_by_zero"),
        (2, "The tanh form loses the negative tail"): ("negative_tail",),
        ONE_AT_A_TIME: ("not_vectorised",),
    },
    {
        "integer_output": (
            "integer-dtype output",
            "for integer input your function returned integers, so every probability was "
            "truncated to 0 or 1. np.zeros_like(z) and np.empty_like(z) copy z's integer "
            "dtype: create the output as floats (np.zeros(z.shape)) or convert the input "
            "with np.asarray(z, dtype=float).",
        ),
        "sign_flip": (
            "sign error: you computed sigma(-z)",
            "your values equal 1 - sigma(z). Check the sign in the exponent: sigma(z) = "
            "1 / (1 + exp(-z)) grows with z.",
        ),
        "negative_tail": (
            "the negative tail is lost to cancellation",
            "at z = -40 the true value is about 4.2e-18, but your result is 0 or inaccurate. "
            "Formulas like 1 - sigma(-z) or 0.5 * (1 + tanh(z / 2)) subtract two numbers close "
            "to 1. For z < 0 use exp(z) / (1 + exp(z)), which keeps full relative precision.",
        ),
        "wrong_values": (
            "wrong values",
            "the numbers differ from sigma(z) = 1 / (1 + exp(-z)) at ordinary inputs. Compare "
            "your function with the formula at z = 0 (0.5) and z = 2 by hand.",
        ),
    },
)


def _float_result(
    out: Any, what: str, shape: tuple[int, ...], integer_key: str = "integer_output"
) -> np.ndarray:
    arr = as_float_array(out, what, shape)
    if not np.issubdtype(arr.dtype, np.floating):
        raise Fail(f"{what} returned dtype {arr.dtype}: {show(arr)}", integer_key)
    return arr


def _sigmoid_values(out: np.ndarray, z: np.ndarray) -> None:
    want = sigmoid(z)
    if not close(out, want, rtol=1e-10):
        key = match(out, {"sign_flip": sigmoid(-z)}) or "wrong_values"
        i = int(np.argmax(np.abs(out - want)))
        raise Fail(f"at z = {z[i]:g} you return {out[i]:.10g}, the sigmoid is {want[i]:.10g}", key)


def check_sigmoid(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    """Check the reader's sigmoid ``fn(z) -> sigma(z)``, element-wise, for arrays ``z``.

    The battery: shapes (1-D and 2-D), float output for integer input, known values
    against :func:`lrbook.sigmoid`, the symmetry ``sigma(-z) = 1 - sigma(z)``, the
    derivative identity of the generated kernel ``sigmoid_dz_from_output`` against finite
    differences of ``fn``, full relative accuracy at ``z = -40`` and no warnings at
    ``z = +-40`` and ``z = +-1000`` (warnings are errors). Every call also checks that
    ``fn`` did not modify its argument.

    Parameters
    ----------
    fn : callable
        ``fn(z)`` for an ndarray ``z`` of any shape; returns an ndarray of that shape.

    Returns
    -------
    CheckResult
        ``passed`` and, when printed, what passed, the first failure and its likely cause.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.exercises import check_sigmoid
    >>> def naive(z):
    ...     return 1 / (1 + np.exp(-z))
    >>> result = check_sigmoid(naive)
    >>> result.passed, result.diagnosis.key
    (False, 'overflow_exp')
    """
    grid = np.linspace(-5.0, 5.0, 11)

    def shapes() -> None:
        _float_result(call(fn, (grid.copy(),), "z = linspace(-5, 5, 11)", ("z",)), "fn(z)", (11,))
        Z = grid[:10].reshape(2, 5)
        _float_result(call(fn, (Z.copy(),), "a (2, 5) array z", ("z",)), "fn(z)", (2, 5))

    def integer_input() -> None:
        zi = np.arange(-3, 4)
        out = _float_result(
            call(fn, (zi.copy(),), "integer z = [-3, ..., 3]", ("z",)), "fn(z)", (7,)
        )
        _sigmoid_values(out, zi.astype(float))

    def known_values() -> None:
        out = _float_result(
            call(fn, (grid.copy(),), "z = linspace(-5, 5, 11)", ("z",)), "fn(z)", (11,)
        )
        _sigmoid_values(out, grid)

    def symmetry() -> None:
        z = np.linspace(-8.0, 8.0, 17)
        a = _float_result(call(fn, (z.copy(),), "z in [-8, 8]", ("z",)), "fn(z)", (17,))
        b = _float_result(call(fn, (-z,), "-z in [-8, 8]", ("z",)), "fn(-z)", (17,))
        if not close(a + b, np.ones_like(z), rtol=1e-12, atol=1e-12):
            raise Fail(f"fn(z) + fn(-z) = {show(a + b)} instead of 1", "wrong_values")

    def derivative() -> None:
        z, h = np.linspace(-6.0, 6.0, 13), 1e-6
        p = _float_result(call(fn, (z.copy(),), "z in [-6, 6]", ("z",)), "fn(z)", (13,))
        up = _float_result(call(fn, (z + h,), "z + h", ("z",)), "fn(z + h)", (13,))
        down = _float_result(call(fn, (z - h,), "z - h", ("z",)), "fn(z - h)", (13,))
        slope = (up - down) / (2 * h)
        if not close(slope, kernels.sigmoid_dz_from_output(p), rtol=1e-6, atol=1e-9):
            raise Fail(
                f"finite-difference slopes {show(slope, 4)} differ from sigma (1 - sigma) "
                f"= {show(kernels.sigmoid_dz_from_output(p), 4)}",
                "wrong_values",
            )

    def tails_40() -> None:
        z = np.array([-40.0, 40.0])
        out = _float_result(call(fn, (z.copy(),), "z = [-40, 40]", ("z",)), "fn(z)", (2,))
        want = sigmoid(z)
        if not (math.isclose(out[0], want[0], rel_tol=1e-10) and out[1] == want[1]):
            raise Fail(
                f"fn([-40, 40]) = {show(out, 10)}, expected about {show(want, 10)}",
                "negative_tail",
            )

    def extreme() -> None:
        z = np.array([-1000.0, -710.0, 710.0, 1000.0])
        out = _float_result(
            call(fn, (z.copy(),), "z = [-1000, -710, 710, 1000]", ("z",)), "fn(z)", (4,)
        )
        if not np.all(np.isfinite(out)):
            raise Fail(f"fn(z) = {show(out)} contains NaN or inf", "invalid_value")
        if not close(out, sigmoid(z), atol=1e-300):
            raise Fail(f"fn(z) = {show(out)}, expected {show(sigmoid(z))}", "wrong_values")

    return run_battery(
        "check_sigmoid",
        [
            ("works on 1-D and 2-D arrays and keeps their shape", shapes),
            ("float output for integer input", integer_input),
            ("known values at z = -5, -4, ..., 5", known_values),
            ("symmetry sigma(-z) = 1 - sigma(z)", symmetry),
            ("slope sigma (1 - sigma) (generated kernel) matches finite differences", derivative),
            ("z = +-40 without warnings, full relative accuracy in the tail", tails_40),
            ("z = +-710 and +-1000 without warnings", extreme),
        ],
        SIGMOID_DIAGNOSES,
    )


# ------------------------------------------------------------------------ log loss
LOG_LOSS_DIAGNOSES = diagnoses_for(
    (3, "The likelihood view"),
    {
        OVERCONFIDENT: ("log_zero", "clipped"),
        OVERFLOWS: ("overflow_exp",),
        (3, "Why not squared error?"): ("squared_error",),
        ONE_AT_A_TIME: ("not_vectorised",),
    },
    {
        "per_sample": (
            "per-sample losses instead of their mean",
            "you returned one loss per sample; the cost is their mean, a single number.",
        ),
        "sum_not_mean": (
            "sum instead of mean (off by a factor n)",
            "your value is n times the mean loss: did you take the mean? Divide the sum by "
            "the number of samples (or use np.mean).",
        ),
        "sign_error": (
            "sign error: a negative loss",
            "log-probabilities are negative, so the loss is minus their mean. Check the "
            "leading minus sign.",
        ),
        "flipped_labels": (
            "labels swapped",
            "your value is the loss of the labels 1 - y: the term log sigma(z) belongs to "
            "y = 1 and log sigma(-z) = log(1 - sigma(z)) to y = 0.",
        ),
        "log_base": (
            "wrong logarithm",
            "your value is a constant multiple of the loss: np.log10 or np.log2 instead of "
            "the natural logarithm np.log.",
        ),
        "squared_error": (
            "squared error, not cross-entropy",
            "your value is the mean of (sigma(z) - y)^2. The loss of logistic regression is "
            "the negative mean log-likelihood.",
        ),
        "clipped": (
            "probabilities clipped",
            "for a confidently wrong prediction at z = 1000 the loss is 1000, but yours "
            "levels off (about -log(eps) when probabilities are clipped to [eps, 1 - eps]). "
            "Clipping hides the problem: compute the loss from the logits instead.",
        ),
        "wrong_values": (
            "wrong values",
            "the loss differs from -mean(y log sigma(z) + (1 - y) log sigma(-z)). Check it by "
            "hand at z = 0, where every sample costs log 2.",
        ),
    },
)


def check_log_loss(fn: Callable[[np.ndarray, np.ndarray], Any]) -> CheckResult:
    """Check the reader's mean binary cross-entropy ``fn(y, z)`` computed from logits ``z``.

    The battery: a single number is returned, ``log 2`` at ``z = 0``, agreement with the
    mean of the generated kernel ``bce_loss`` on random logits, integer labels, confident
    wrong predictions at ``z = +-40`` (loss 40, no ``log(0)``) and at ``z = +-1000``
    (loss 1000, no overflow, no clipping), with warnings as errors.

    Parameters
    ----------
    fn : callable
        ``fn(y, z)`` with labels ``y`` in {0, 1} of shape (n,) and logits ``z`` of shape
        (n,); returns the mean loss, a float.

    Returns
    -------
    CheckResult
        Its ``diagnosis`` names the likely mistake, e.g. a sum instead of a mean.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.exercises import check_log_loss
    >>> def summed(y, z):
    ...     return float(np.sum(np.logaddexp(0, -z) * y + np.logaddexp(0, z) * (1 - y)))
    >>> check_log_loss(summed).diagnosis.key
    'sum_not_mean'
    """
    rng = np.random.default_rng(3)
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0])
    z = rng.normal(scale=2.0, size=7)
    n = len(y)

    def scalar(out: Any, where: str, per_sample: np.ndarray) -> float:
        if out is None:
            raise Fail(
                "fn(y, z) returned None: did you forget the return statement?", "returns_none"
            )
        arr = np.asarray(out)
        if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
            raise Fail(f"fn(y, z) returned {type(out).__name__}, not a number", "wrong_type")
        if arr.size != 1:
            key = "per_sample" if close(arr.ravel(), per_sample) else "wrong_shape"
            raise Fail(f"on {where} fn(y, z) returned shape {arr.shape}, expected one number", key)
        return float(arr.ravel()[0])

    def single_number() -> None:
        scalar(
            call(fn, (y.copy(), z.copy()), "7 samples", ("y", "z")),
            "7 samples",
            kernels.bce_loss(y, z),
        )

    def log2_at_zero() -> None:
        zeros = np.zeros(n)
        got = scalar(
            call(fn, (y.copy(), zeros), "z = 0", ("y", "z")), "z = 0", kernels.bce_loss(y, zeros)
        )
        if not math.isclose(got, math.log(2), rel_tol=1e-10):
            key = match(
                got,
                {
                    "sum_not_mean": n * math.log(2),
                    "sign_error": -math.log(2),
                    "log_base": math.log10(2),
                    "squared_error": 0.25,
                },
            )
            if key is None and math.isclose(got, 1.0):
                key = "log_base"
            raise Fail(
                f"at z = 0 you return {got:.10g}, expected log 2 = {math.log(2):.10g}",
                key or "wrong_values",
            )

    def kernel_values() -> None:
        got = scalar(
            call(fn, (y.copy(), z.copy()), "7 samples", ("y", "z")),
            "7 samples",
            kernels.bce_loss(y, z),
        )
        want = float(np.mean(kernels.bce_loss(y, z)))
        if not math.isclose(got, want, rel_tol=1e-10):
            key = match(
                got,
                {
                    "sum_not_mean": n * want,
                    "sign_error": -want,
                    "flipped_labels": float(np.mean(kernels.bce_loss(1 - y, z))),
                    "log_base": want / math.log(10),
                    "squared_error": float(np.mean((sigmoid(z) - y) ** 2)),
                },
            )
            if key is None and math.isclose(got, want / math.log(2)):
                key = "log_base"
            raise Fail(
                f"on 7 samples you return {got:.10g}, expected {want:.10g}", key or "wrong_values"
            )

    def integer_labels() -> None:
        yi = y.astype(int)
        got = scalar(
            call(fn, (yi.copy(), z.copy()), "integer labels", ("y", "z")),
            "integer labels",
            kernels.bce_loss(y, z),
        )
        if not math.isclose(got, float(np.mean(kernels.bce_loss(y, z))), rel_tol=1e-10):
            raise Fail(f"with integer labels you return {got:.10g}", "wrong_values")

    def confident(limit: float) -> Callable[[], None]:
        def body() -> None:
            yy = np.array([1.0, 0.0, 1.0, 0.0])
            zz = np.array([-limit, limit, limit, -limit])
            where = f"y = [1, 0, 1, 0], z = [-{limit:g}, {limit:g}, {limit:g}, -{limit:g}]"
            got = scalar(
                call(fn, (yy, zz.copy()), where, ("y", "z")), where, kernels.bce_loss(yy, zz)
            )
            want = float(np.mean(kernels.bce_loss(yy, zz)))
            if not math.isfinite(got):
                raise Fail(f"on {where} you return {got}", "log_zero")
            if not math.isclose(got, want, rel_tol=1e-9):
                key = "clipped" if got < 0.9 * want else "wrong_values"
                raise Fail(f"on {where} you return {got:.10g}, expected {want:.10g}", key)

        return body

    return run_battery(
        "check_log_loss",
        [
            ("returns a single number", single_number),
            ("log 2 when every logit is 0", log2_at_zero),
            ("agrees with the mean of the generated kernel bce_loss", kernel_values),
            ("integer labels give the same loss", integer_labels),
            ("confidently wrong at z = +-40: finite, no warnings", confident(40.0)),
            ("confidently wrong at z = +-1000: loss 500, no warnings", confident(1000.0)),
        ],
        LOG_LOSS_DIAGNOSES,
    )


# ------------------------------------------------------------------------ softmax
SOFTMAX_DIAGNOSES = diagnoses_for(
    (9, "The softmax"),
    {
        (9, "Log-sum-exp: softmax without overflow"): (
            "no_max_shift",
            "overflow_exp",
            "invalid_value",
            "divide_by_zero",
        ),
        (9, "Shift invariance"): ("shift_invariance",),
    },
    {
        "wrong_axis": (
            "wrong class axis",
            "your columns sum to 1, not your rows. Samples are rows and classes are columns: "
            "normalise over axis=1 (or axis=-1).",
        ),
        "no_axis": (
            "normalised over the whole array",
            "np.sum(e) without an axis adds every entry of every sample. Sum each row: "
            "np.sum(e, axis=1, keepdims=True).",
        ),
        "missing_keepdims": (
            "max or sum without keepdims=True",
            "Z.max(axis=1) has shape (n,), and Z - Z.max(axis=1) broadcasts it along the "
            "wrong axis (an error, or silently wrong values for square Z). Keep the axis: "
            "Z.max(axis=1, keepdims=True).",
        ),
        "no_max_shift": (
            "no max-shift: exp overflows",
            "exp(1000) is inf and inf / inf is NaN. Subtract each row's maximum before "
            "exponentiating: softmax is unchanged by the shift and every exponent is <= 0.",
        ),
        "sign_error": (
            "sign error: softmax(-Z)",
            "your probabilities are largest where the logits are smallest. Exponentiate Z, not -Z.",
        ),
        "not_normalised": (
            "not normalised",
            "you returned exp(Z) itself; divide each row by its sum.",
        ),
        "integer_output": (
            "integer-dtype output",
            "for integer logits your function returned integers (np.zeros_like copies the "
            "input's dtype). Work in floats: np.asarray(Z, dtype=float).",
        ),
        "wrong_values": (
            "wrong values",
            "the probabilities differ from exp(z_k) / sum_j exp(z_j) row by row. Check one "
            "row by hand.",
        ),
    },
)


def _softmax_call(fn: Callable[..., Any], Z: np.ndarray, where: str) -> np.ndarray:
    try:
        out = call(fn, (Z.copy(),), where, ("Z",))
        return as_float_array(out, "fn(Z)", Z.shape)
    except Fail as fail:
        if fail.key == "shape_mismatch":
            raise Fail(fail.detail, "missing_keepdims") from None
        if fail.key in ("overflow_exp", "invalid_value", "divide_by_zero"):
            raise Fail(fail.detail, "no_max_shift") from None
        raise


def _softmax_no_keepdims(Z: np.ndarray) -> np.ndarray:
    shifted = Z - Z.max(axis=1)  # the mistake: (n, K) - (n,) broadcasts along the rows
    e = np.exp(shifted)
    return e / e.sum(axis=1)


def check_softmax(fn: Callable[[np.ndarray], Any]) -> CheckResult:
    """Check the reader's row-wise softmax ``fn(Z)`` for logits ``Z`` of shape (n, K).

    The battery: shape kept (non-square and square ``Z``), float output for integer
    logits, rows summing to 1, agreement with :func:`lrbook.softmax`, shift invariance
    ``softmax(Z + 1000) = softmax(Z)``, extreme rows such as ``[1000, 0, -1000]`` and
    ``[-1000, -1000, -1000]`` without warnings, and finite differences of ``fn`` against the
    generated kernel ``softmax_jacobian``.

    Parameters
    ----------
    fn : callable
        ``fn(Z)`` with ``Z`` an ndarray of shape (n_samples, n_classes); returns the
        probabilities, same shape, each row summing to 1.

    Returns
    -------
    CheckResult
        Its ``diagnosis`` names the likely mistake, e.g. normalising over the wrong axis.

    Examples
    --------
    >>> import numpy as np
    >>> from lrbook.exercises import check_softmax
    >>> def columns(Z):
    ...     e = np.exp(Z - Z.max())
    ...     return e / e.sum(axis=0, keepdims=True)
    >>> check_softmax(columns).diagnosis.key
    'wrong_axis'
    """
    rng = np.random.default_rng(9)
    Z = rng.normal(scale=2.0, size=(4, 3))
    Zsq = rng.normal(scale=2.0, size=(3, 3))

    def shape() -> None:
        _softmax_call(fn, Z, "a (4, 3) array Z")
        _softmax_call(fn, Zsq, "a (3, 3) array Z")

    def integer_logits() -> None:
        Zi = np.array([[0, 1, 2], [2, 2, 2]])
        out = _softmax_call(fn, Zi, "integer Z = [[0, 1, 2], [2, 2, 2]]")
        if not np.issubdtype(out.dtype, np.floating):
            raise Fail(f"fn(Z) returned dtype {out.dtype}: {show(out)}", "integer_output")

    def rows_sum_to_one() -> None:
        out = _softmax_call(fn, Z, "a (4, 3) array Z")
        rows, cols = out.sum(axis=1), out.sum(axis=0)
        if not close(rows, np.ones(4), rtol=1e-12):
            key = "wrong_values"
            if close(cols, np.ones(3), rtol=1e-12):
                key = "wrong_axis"
            elif math.isclose(float(out.sum()), 1.0):
                key = "no_axis"
            elif close(out, np.exp(Z)):
                key = "not_normalised"
            raise Fail(f"row sums of fn(Z) are {show(rows)} instead of 1", key)

    def known_values() -> None:
        for A, where in ((Z, "a (4, 3) array Z"), (Zsq, "a (3, 3) array Z")):
            out = _softmax_call(fn, A, where)
            if not close(out, softmax(A), rtol=1e-10):
                cands = {"wrong_axis": softmax(A, axis=0), "sign_error": softmax(-A)}
                if A.shape[0] == A.shape[1]:
                    cands["missing_keepdims"] = _softmax_no_keepdims(A)
                key = match(out, cands)
                raise Fail(f"on {where}: row 0 is {show(out[0])}", key or "wrong_values")
        equal = _softmax_call(fn, np.full((2, 4), 3.0), "equal logits")
        if not close(equal, np.full((2, 4), 0.25), rtol=1e-12):
            raise Fail(f"equal logits give {show(equal[0])}, not 1/K each", "wrong_values")

    def shift() -> None:
        out = _softmax_call(fn, Z + 1000.0, "Z + 1000")
        if not close(out, softmax(Z), rtol=1e-9):
            raise Fail(f"fn(Z + 1000) row 0 = {show(out[0])}", "no_max_shift")

    def extreme() -> None:
        E = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -1000.0], [-40.0, 40.0, 0.0]])
        out = _softmax_call(fn, E, "rows [1000, 0, -1000], [-1000, -1000, -1000], [-40, 40, 0]")
        if not np.all(np.isfinite(out)) or not close(out, softmax(E), atol=1e-300):
            raise Fail(f"fn(Z) = {show(out)}, expected {show(softmax(E))}", "no_max_shift")

    def jacobian() -> None:
        row, h = Z[:1], 1e-6
        p = _softmax_call(fn, row, "one row")[0]
        numeric = np.empty((3, 3))
        for c in range(3):
            e = np.zeros((1, 3))
            e[0, c] = h
            up = _softmax_call(fn, row + e, "one row")[0]
            down = _softmax_call(fn, row - e, "one row")[0]
            numeric[:, c] = (up - down) / (2 * h)
        analytic = kernels.softmax_jacobian(p[:, None], p[None, :], np.eye(3))
        if not close(numeric, analytic, rtol=1e-5, atol=1e-8):
            raise Fail(
                f"finite-difference Jacobian {show(numeric, 4)} differs from "
                f"p_j (delta_jc - p_c) = {show(analytic, 4)}",
                "wrong_values",
            )

    return run_battery(
        "check_softmax",
        [
            ("keeps the shape of non-square and square Z", shape),
            ("float output for integer logits", integer_logits),
            ("each row sums to 1", rows_sum_to_one),
            ("known values (random rows, equal logits)", known_values),
            ("shift invariance: fn(Z + 1000) = fn(Z), no warnings", shift),
            ("extreme rows with +-1000 without warnings", extreme),
            (
                "Jacobian p_j (delta_jc - p_c) (generated kernel) matches finite differences",
                jacobian,
            ),
        ],
        SOFTMAX_DIAGNOSES,
    )
