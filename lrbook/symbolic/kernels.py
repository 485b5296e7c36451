"""The kernel registry: which verified derivation step becomes which generated kernel.

:data:`KERNELS` names, for each function of the generated module :mod:`lrbook.kernels`,
the derivation step whose right-hand side *is* the kernel; :func:`kernel_reference`
evaluates the same step's raw exponential form in high precision (mpmath), the
reference the kernel tests compare with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import sympy as sp

from lrbook.symbolic.core import Derivation, Step
from lrbook.symbolic.derivations import DERIVATIONS
from lrbook.symbolic.derivations._symbols import Y, Z, a, back, delta_jc, p_c, p_j, syms, y, z
from lrbook.symbolic.functions import Expr, expand_components, raw

__all__ = ["KERNELS", "Kernel", "kernel_reference"]


@dataclass(frozen=True, kw_only=True)
class Kernel:
    """A generated NumPy kernel: the right-hand side of one verified derivation step.

    Parameters
    ----------
    name : str
        Function name in :mod:`lrbook.kernels`.
    derivation : str
        Key of :data:`DERIVATIONS`.
    tag : str or tuple of str
        Tag of the step whose ``rhs`` is the kernel expression; for a *fused*
        kernel returning several arrays, the tags of the steps that prove each
        output, in order (the kernel returns a tuple of their right-hand sides,
        printed with shared subexpressions).
    args : tuple of Symbol
        Argument symbols, in the generated function's order.
    summary : str
        One-line description (first line of the generated docstring).
    params : tuple of (str, str)
        Parameter descriptions for the generated docstring.
    returns : str
    example : tuple
        Example inputs (nested lists) for the generated docstring.
    vector : bool, default=False
        True for kernels on ``(n, K)`` rows (``Y``, ``Z``), expanded with
        :func:`expand_components` to check them.

    Examples
    --------
    >>> KERNELS["bce_dz"].expr
    (1 - 2*y)*sigmoid(z*(1 - 2*y))
    >>> KERNELS["ce_loss_dz"].tags
    ('ce_loss', 'ce_dz')
    """

    name: str
    derivation: str
    tag: str | tuple[str, ...]
    args: tuple[Any, ...]
    summary: str
    params: tuple[tuple[str, str], ...]
    returns: str
    example: tuple[Any, ...]
    vector: bool = False

    @property
    def source(self) -> Derivation:
        """The derivation this kernel comes from."""
        return DERIVATIONS[self.derivation]()

    @property
    def tags(self) -> tuple[str, ...]:
        """Tags of the steps proving the outputs (one for a single-output kernel)."""
        return (self.tag,) if isinstance(self.tag, str) else tuple(self.tag)

    @property
    def fused(self) -> bool:
        """True for a kernel returning a tuple (one output per step in :attr:`tags`)."""
        return not isinstance(self.tag, str)

    @property
    def steps(self) -> tuple[Step, ...]:
        """The verified steps whose right-hand sides are this kernel's outputs."""
        source = self.source
        return tuple(source.step(t) for t in self.tags)

    @property
    def step(self) -> Step:
        """The verified step whose right-hand side is this kernel (single-output kernels)."""
        if self.fused:
            raise ValueError(
                f"kernel {self.name!r} is fused from steps {self.tags}: use .steps, not .step"
            )
        return self.source.step(self.tags[0])

    @property
    def expr(self) -> Expr:
        """The kernel's SymPy expression (a ``Tuple`` of the outputs for a fused kernel)."""
        if self.fused:
            return sp.Tuple(*(st.rhs for st in self.steps))
        return self.step.rhs

    def component(self, i: int) -> Kernel:
        """Output ``i`` of a fused kernel as a single-output :class:`Kernel` (same arguments)."""
        return replace(self, name=f"{self.name}[{i}]", tag=self.tags[i])

    @property
    def factory_name(self) -> str:
        """Name of the factory function in :mod:`lrbook.symbolic`."""
        return DERIVATIONS[self.derivation].__name__

    def raw_expr(self, n_classes: int | None = None) -> tuple[tuple[Any, ...], Expr]:
        """Arguments and raw exponential form, for high-precision reference values.

        Vector kernels are expanded to ``n_classes`` explicit components; the
        returned arguments are then ``(y_1..y_K, z_1..z_K)``.
        """
        if self.fused:
            raise ValueError(f"kernel {self.name!r} is fused: use .component(i).raw_expr()")
        if not self.vector:
            return self.args, raw(self.expr)
        if n_classes is None:
            raise ValueError(f"kernel {self.name!r} works on rows: pass n_classes")
        comps = {s: syms(f"{s.name.lower()}_{{}}", n_classes) for s in self.args}
        flat = tuple(v for s in self.args for v in comps[s])
        return flat, raw(expand_components(self.expr, comps))


def _inputs(*arguments: tuple[Any, str, str], vector: bool = False) -> dict[str, Any]:
    """A kernel's arguments with their docstring entries (``(symbol, type, description)``).

    Returns the :class:`Kernel` fields ``args``, ``params`` and ``vector``.
    """
    return {
        "args": tuple(symbol for symbol, _, _ in arguments),
        "params": tuple((str(symbol), f"{kind}\n        {doc}") for symbol, kind, doc in arguments),
        "vector": vector,
    }


# the arguments of each family of kernels, with their docstring entries
_LABELS_LOGITS = _inputs(
    (y, "array-like", "Labels, 0 or 1."), (z, "array-like", "Logits (broadcast against ``y``).")
)
_LOGITS = _inputs((z, "array-like", "Logits."))
_ROWS = _inputs(
    (
        Y,
        "array of shape (n, K)",
        "One-hot labels, or probability rows (entries >= 0 summing to 1).",
    ),
    (Z, "array of shape (n, K)", "Logits."),
    vector=True,
)
_JACOBIAN = _inputs(
    (p_j, "array-like", "Probabilities p_j."),
    (p_c, "array-like", "Probabilities p_c."),
    (delta_jc, "array-like", "Kronecker delta (1 where j == c, else 0)."),
)
_TARGETS = _inputs((y, "array-like", "Targets."), (z, "array-like", "Predictions."))
_SIGMOID_OUTPUT = _inputs((a, "array-like", "Sigmoid activations."))
_TANH_OUTPUT = _inputs((a, "array-like", "tanh activations."))
_HIDDEN = _inputs(
    (back, "array of shape (n, h)", "``delta_out @ W2.T``."),
    (a, "array of shape (n, h)", "Hidden sigmoid activations."),
)

# One row per generated kernel, in the order of lrbook.kernels, with these columns
# ("tag": the step tag, or the tags of a fused kernel's steps; "inputs": one of the above)
_COLUMNS = ("name", "derivation", "tag", "inputs", "summary", "returns", "example")
_TABLE: tuple[tuple[Any, ...], ...] = (
    (
        "bce_loss",
        "bce",
        "bce_loss",
        _LABELS_LOGITS,
        "Per-sample binary cross-entropy from logits, for labels y in {0, 1}.",
        "ndarray\n        ``-y log sigma(z) - (1 - y) log sigma(-z)``; 0 at z = +inf, y = 1.",
        ([0.0, 1.0, 1.0], [0.0, 0.0, 800.0]),
    ),
    (
        "bce_dz",
        "bce",
        "bce_dz",
        _LABELS_LOGITS,
        "Gradient of the binary cross-entropy with respect to the logit, sigma(z) - y.",
        "ndarray\n        ``sigma(z) - y``, written so that both tails are exact.",
        ([0.0, 1.0], [0.0, 0.0]),
    ),
    (
        "bce_loss_dz",
        "bce",
        ("bce_loss_elementary", "bce_dz_elementary"),
        _LABELS_LOGITS,
        "Binary cross-entropy and its logit gradient in one pass, for labels y in {0, 1}.",
        "tuple of ndarray\n        ``(bce_loss(y, z), bce_dz(y, z))``, equal to the separate "
        "kernels;\n        ``exp(-|t|)`` with ``t = (1 - 2y) z`` is computed once.",
        ([0.0, 1.0, 1.0], [0.0, 0.0, 800.0]),
    ),
    (
        "bce_d2z",
        "convexity",
        "bce_d2z_exp",
        _LOGITS,
        "Second derivative of the binary cross-entropy in the logit (Newton/IRLS weight).",
        "ndarray\n        ``sigma(z) sigma(-z) = sigma(z)(1 - sigma(z))``, never negative.",
        ([0.0, 1000.0],),
    ),
    (
        "ce_loss",
        "softmax",
        "ce_loss",
        _ROWS,
        "Per-row softmax cross-entropy from logits, for one-hot rows.",
        "ndarray of shape (n,)\n        ``-sum(Y * log_softmax(Z))``; ``logsumexp(Z) - sum(Y * Z)``.",
        ([[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]]),
    ),
    (
        "ce_dz",
        "softmax",
        "ce_dz",
        _ROWS,
        "Gradient of the softmax cross-entropy with respect to the logits.",
        "ndarray of shape (n, K)\n        ``softmax(Z) - Y``.",
        ([[1.0, 0.0]], [[0.0, 0.0]]),
    ),
    (
        "ce_loss_dz",
        "softmax",
        ("ce_loss", "ce_dz"),
        _ROWS,
        "Softmax cross-entropy and its logit gradient in one pass.",
        "tuple of ndarray\n        ``(ce_loss(Y, Z), ce_dz(Y, Z))``, equal to the separate "
        "kernels;\n        ``exp(Z - max Z)`` and its rest are computed once.",
        ([[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]]),
    ),
    (
        "softmax_jacobian",
        "softmax",
        "softmax_jacobian",
        _JACOBIAN,
        "Softmax Jacobian entries dp_j/dz_c = p_j (delta_jc - p_c) (broadcasts to blocks).",
        "ndarray\n        ``p_j * (delta_jc - p_c)``.",
        ([0.5, 0.5], [0.5, 0.5], [1.0, 0.0]),
    ),
    (
        "sse_loss",
        "linear_regression",
        "sse_loss",
        _TARGETS,
        "Per-sample squared error (y - z)**2.",
        "ndarray",
        ([1.0, 2.0], [0.0, 4.0]),
    ),
    (
        "sse_dz",
        "linear_regression",
        "sse_dz",
        _TARGETS,
        "Derivative of the squared error with respect to the prediction, -2 (y - z).",
        "ndarray",
        ([1.0, 2.0], [0.0, 4.0]),
    ),
    (
        "sigmoid_dz_from_output",
        "sigmoid",
        "sigmoid_dz_from_output",
        _SIGMOID_OUTPUT,
        "Derivative of the sigmoid written with its output a = sigma(z): a (1 - a).",
        "ndarray",
        ([0.5, 1.0],),
    ),
    (
        "tanh_dz_from_output",
        "tanh",
        "tanh_dz_from_output",
        _TANH_OUTPUT,
        "Derivative of tanh written with its output a = tanh(z): 1 - a**2.",
        "ndarray",
        ([0.0, 0.5],),
    ),
    (
        "mlp_delta_hidden",
        "mlp_sigmoid",
        "mlp_delta_hidden",
        _HIDDEN,
        "Hidden-layer delta of a sigmoid layer: back * a * (1 - a).",
        "ndarray of shape (n, h)",
        ([[1.0, -2.0]], [[0.5, 0.5]]),
    ),
)


def _kernel(row: tuple[Any, ...]) -> Kernel:
    """The :class:`Kernel` of one row of the table (its inputs give args, params and vector)."""
    fields = dict(zip(_COLUMNS, row, strict=True))
    return Kernel(**fields.pop("inputs"), **fields)


KERNELS: dict[str, Kernel] = {row[0]: _kernel(row) for row in _TABLE}
"""Kernel name -> :class:`Kernel`, in the order of :mod:`lrbook.kernels`."""


def kernel_reference(name: str, *arrays: Any, dps: int = 50) -> Any:
    """High-precision reference values of a kernel from its raw exponential form (mpmath).

    Parameters
    ----------
    name : str
        Kernel name (a key of :data:`KERNELS`).
    *arrays : array-like
        The kernel's arguments.  Scalar kernels broadcast them; vector kernels
        (``ce_loss``, ``ce_dz``) take ``(n, K)`` arrays.
    dps : int, default=50
        Decimal digits of working precision.

    Returns
    -------
    ndarray of float64, or a tuple of them for a fused kernel
        The correctly rounded values (``inf``/``nan`` where the exact value is).

    Examples
    --------
    >>> import numpy as np
    >>> float(kernel_reference("bce_loss", 1.0, 40.0))
    4.248354255291589e-18
    """
    kernel = KERNELS[name]
    if kernel.fused:
        return tuple(
            _kernel_reference(kernel.component(i), arrays, dps) for i in range(len(kernel.tags))
        )
    return _kernel_reference(kernel, arrays, dps)


def _kernel_reference(kernel: Kernel, arrays: Sequence[Any], dps: int) -> Any:
    import mpmath
    import numpy as np

    if kernel.vector:
        Ya, Za = (np.asarray(v, dtype=float) for v in arrays)
        n_classes = Za.shape[-1]
        args, expr = kernel.raw_expr(n_classes)
        f = sp.lambdify(args, expr, modules="mpmath")
        rows: list[Any] = []
        with mpmath.workdps(dps):
            for yrow, zrow in zip(
                Ya.reshape(-1, n_classes), Za.reshape(-1, n_classes), strict=True
            ):
                vals = f(*[mpmath.mpf(float(v)) for v in (*yrow, *zrow)])
                if hasattr(vals, "tolist"):
                    flat = np.asarray(vals.tolist(), dtype=object).ravel()
                    rows.append([float(mpmath.re(v)) for v in flat])
                else:
                    rows.append(float(mpmath.re(vals)))
        res = np.asarray(rows, dtype=float)
        return res.reshape(Za.shape if res.ndim == 2 else Za.shape[:-1])
    args, expr = kernel.raw_expr()
    f = sp.lambdify(args, expr, modules="mpmath")
    bcast = np.broadcast_arrays(*[np.asarray(v, dtype=float) for v in arrays])
    result = np.empty(bcast[0].shape, dtype=float)
    with mpmath.workdps(dps):
        for idx in np.ndindex(result.shape):
            val = f(*[mpmath.mpf(float(b[idx])) for b in bcast])
            result[idx] = float(mpmath.re(val))
    return result
