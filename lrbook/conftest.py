"""pytest collection of the package's doctests: the compiled path needs numba.

``lrbook._fast``, ``lrbook._fast_kernels`` and ``lrbook._fast_primitives`` import numba at
module level (they are only imported by lrbook when numba is installed, see
:mod:`lrbook.optim`); without the ``fast`` extra their doctests are not collected.
"""

try:
    import numba  # noqa: F401
except ImportError:  # the NumPy path only (e.g. the minimum-versions test run)
    collect_ignore = ["_fast.py", "_fast_kernels.py", "_fast_primitives.py"]
