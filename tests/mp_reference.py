"""High-precision reference helpers shared by the primitive and kernel tests (mpmath, 60 digits).

Importable from the tests because pyproject's pytest config puts ``tests/`` on ``pythonpath``.
"""

from __future__ import annotations

import math

import mpmath

mpmath.mp.dps = 60

# The extreme logits of the acceptance criteria (issue 2).
EXTREME = [-1e300, -1e3, -40.0, -37.0, 0.0, 37.0, 40.0, 1e3, 1e300, -math.inf, math.inf]
# mpmath stand-in for an infinite logit: a finite number so large that every result equals the
# limit once rounded to float64 (mpmath exponents are unbounded).
HUGE = mpmath.mpf("1e10000")


def mp_of(x: float) -> mpmath.mpf:
    """``x`` as an mpmath number, with +-inf replaced by +-:data:`HUGE`."""
    if math.isinf(x):
        return HUGE if x > 0 else -HUGE
    return mpmath.mpf(x)


def assert_matches(got: float, ref: mpmath.mpf, rtol: float = 1e-12) -> None:
    """``got`` within ``rtol`` relative of ``ref``; absolute 1e-300 below 1e-300; inf exact."""
    ref_float = float(ref)
    assert not math.isnan(got), f"got NaN, expected {mpmath.nstr(ref, 17)}"
    if math.isinf(ref_float):
        assert got == ref_float
    elif abs(ref) < mpmath.mpf("1e-300"):
        assert abs(got - ref_float) <= 1e-300, (got, mpmath.nstr(ref, 17))
    else:
        assert abs(mpmath.mpf(got) - ref) <= rtol * abs(ref), (got, mpmath.nstr(ref, 17))


def mp_sigmoid(z: mpmath.mpf) -> mpmath.mpf:
    """The sigmoid in mpmath precision."""
    return 1 / (1 + mpmath.exp(-z))
