"""Verified derivations: the single source of every formula in lrbook.

Each topic of the book (the sigmoid's derivative, the cross-entropy gradient,
convexity, softmax, linear regression, backpropagation, Newton's method) is a
:class:`Derivation`: an ordered list of :class:`Step` objects, each an equation
(or inequality) between SymPy expressions.  :meth:`Derivation.verify` proves
every step with SymPy, and :meth:`Derivation.latex` renders the same objects
for the book.

Stable by construction
----------------------
Derivations are written with *opaque* SymPy functions (:class:`sigmoid`,
:class:`log_sigmoid`, :class:`softplus`, :class:`logsumexp`, :class:`softmax`,
:class:`log_softmax`, :class:`rowsum`).  Their ``fdiff`` gives the derivative
in terms of opaque functions again, and ``rewrite(exp)`` gives the textbook
exponential form (``1/(1 + exp(-z))``, ``log(1 + exp(z))``...).  Proofs rewrite
to that raw form, so every step is checked against the textbook definition;
the code generator (:mod:`lrbook.codegen`) prints the opaque form, which maps to
the stable NumPy primitives in :mod:`lrbook._primitives`.

:data:`KERNELS` names, for each generated kernel in :mod:`lrbook.kernels`, the
derivation step whose right-hand side *is* the kernel.

This module imports SymPy; ``import lrbook`` never imports it.

Examples
--------
>>> from lrbook.symbolic import sigmoid_derivation
>>> d = sigmoid_derivation()
>>> bool(d.verify())
True
>>> d.step("sigmoid_dz_from_output").rhs
a*(1 - a)
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sympy as sp
from sympy.codegen import cfunctions as _cfunctions
from sympy.core.function import ArgumentIndexError
from sympy.core.logic import fuzzy_and

__all__ = [
    "DERIVATIONS",
    "KERNELS",
    "Derivation",
    "DerivationError",
    "Kernel",
    "LatexMath",
    "Step",
    "Tex",
    "VerificationReport",
    "all_derivations",
    "bce_derivation",
    "bernoulli_nll_derivation",
    "chain",
    "claim",
    "convexity_derivation",
    "expand_components",
    "expm1",
    "finite_difference_derivation",
    "get_derivation",
    "kernel_reference",
    "linear_regression_derivation",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "mlp_sigmoid_derivation",
    "mlp_softmax_derivation",
    "newton_derivation",
    "opaque_functions_derivation",
    "raw",
    "rowsum",
    "sigmoid",
    "sigmoid_derivation",
    "softmax",
    "softmax_derivation",
    "softplus",
    "tanh_derivation",
]

Expr = Any  # sympy is untyped: an Expr, a Matrix or a Relational

# ---------------------------------------------------------------------------
# Opaque functions
# ---------------------------------------------------------------------------


def _arg_latex(printer: Any, args: Sequence[Any]) -> str:
    return ", ".join(printer._print(a) for a in args)


def _with_power(body: str, exp: str | None) -> str:
    return body if exp is None else rf"{body}^{{{exp}}}"


class _Opaque(sp.Function):
    """Base class: real for real arguments, printed by name in generated code.

    With floating-point arguments the raw form is evaluated at once (like
    ``sympy.exp(Float)``), which keeps numeric sanity checks fast.
    """

    @classmethod
    def eval(cls, *args: Expr) -> Expr | None:
        numeric = args[1:] if cls is softmax and len(args) > 1 else args
        if numeric and all(isinstance(v, sp.Float) for v in numeric):
            rewritten = cls(*args, evaluate=False).rewrite(sp.exp)
            if not isinstance(rewritten, cls):
                return rewritten
        return None

    def _eval_is_real(self) -> bool | None:
        return fuzzy_and(a.is_real for a in self.args)


class sigmoid(_Opaque):
    r"""Logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})` (opaque).

    Examples
    --------
    >>> import sympy as sp
    >>> z = sp.Symbol("z", real=True)
    >>> sigmoid(z).diff(z)
    (1 - sigmoid(z))*sigmoid(z)
    >>> sigmoid(z).rewrite(sp.exp)
    1/(1 + exp(-z))
    >>> sp.latex(sigmoid(z))
    '\\sigma\\left(z\\right)'
    """

    nargs = 1

    def fdiff(self, argindex: int = 1) -> Expr:
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        z = self.args[0]
        return sigmoid(z) * (1 - sigmoid(z))

    def _eval_rewrite_as_exp(self, z: Expr, **kwargs: Any) -> Expr:
        return 1 / (1 + sp.exp(-z))

    def _eval_is_positive(self) -> bool | None:
        return self.args[0].is_real or None

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        return _with_power(rf"\sigma\left({printer._print(self.args[0])}\right)", exp)


class log_sigmoid(_Opaque):
    r"""Log-sigmoid :math:`\log\sigma(z) = -\log(1 + e^{-z})` (opaque).

    Examples
    --------
    >>> import sympy as sp
    >>> z = sp.Symbol("z", real=True)
    >>> log_sigmoid(z).diff(z)
    sigmoid(-z)
    >>> log_sigmoid(z).rewrite(sp.exp)
    -log(1 + exp(-z))
    """

    nargs = 1

    def fdiff(self, argindex: int = 1) -> Expr:
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return sigmoid(-self.args[0])

    def _eval_rewrite_as_exp(self, z: Expr, **kwargs: Any) -> Expr:
        return -sp.log(1 + sp.exp(-z))

    def _eval_is_nonpositive(self) -> bool | None:
        return self.args[0].is_real or None

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        return _with_power(rf"\log\sigma\left({printer._print(self.args[0])}\right)", exp)


class softplus(_Opaque):
    r"""Softplus :math:`\log(1 + e^{z})` (opaque).

    Examples
    --------
    >>> import sympy as sp
    >>> z = sp.Symbol("z", real=True)
    >>> softplus(z).diff(z)
    sigmoid(z)
    >>> softplus(z).rewrite(sp.exp)
    log(exp(z) + 1)
    """

    nargs = 1

    def fdiff(self, argindex: int = 1) -> Expr:
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, z: Expr, **kwargs: Any) -> Expr:
        return sp.log(1 + sp.exp(z))

    def _eval_is_positive(self) -> bool | None:
        return self.args[0].is_real or None

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        arg = printer._print(self.args[0])
        return _with_power(rf"\operatorname{{softplus}}\left({arg}\right)", exp)


class logsumexp(_Opaque):
    r"""Log-sum-exp :math:`\operatorname{LSE}(z_1, \dots, z_K) = \log\sum_k e^{z_k}` (opaque).

    With explicit components (two or more arguments) it differentiates to
    :class:`softmax` and rewrites to the raw form.  With a single argument it
    is the *vector form* used by kernels: ``logsumexp(Z)`` reduces the last
    axis of an array ``Z``; :func:`expand_components` turns it into the
    explicit form.

    Examples
    --------
    >>> import sympy as sp
    >>> z1, z2 = sp.symbols("z1 z2", real=True)
    >>> logsumexp(z1, z2).diff(z1)
    softmax(1, z1, z2)
    >>> logsumexp(z1, z2).rewrite(sp.exp)
    log(exp(z1) + exp(z2))
    """

    def fdiff(self, argindex: int = 1) -> Expr:
        if len(self.args) < 2:
            raise ArgumentIndexError(self, argindex)
        return softmax(argindex, *self.args)

    def _eval_rewrite_as_exp(self, *args: Expr, **kwargs: Any) -> Expr:
        if len(args) < 2:
            return self
        return sp.log(sp.Add(*[sp.exp(a) for a in args]))

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        return _with_power(
            rf"\operatorname{{LSE}}\left({_arg_latex(printer, self.args)}\right)", exp
        )


class softmax(_Opaque):
    r"""Softmax (opaque): ``softmax(j, z_1, ..., z_K)`` is :math:`e^{z_j} / \sum_k e^{z_k}`.

    The first argument is the 1-based component index.  ``softmax(Z)`` with a
    single argument is the vector form used by kernels (softmax over the last
    axis of ``Z``).

    Examples
    --------
    >>> import sympy as sp
    >>> z1, z2, z3 = sp.symbols("z1 z2 z3", real=True)
    >>> p1 = softmax(1, z1, z2, z3)
    >>> p1.diff(z2)
    -softmax(1, z1, z2, z3)*softmax(2, z1, z2, z3)
    >>> p1.rewrite(sp.exp)
    exp(z1)/(exp(z1) + exp(z2) + exp(z3))
    """

    @classmethod
    def eval(cls, *args: Expr) -> Expr | None:
        if len(args) == 1:
            return None
        j = args[0]
        if not (j.is_Integer and 1 <= int(j) <= len(args) - 1):
            raise ValueError(
                f"softmax(j, z_1, ..., z_K) needs an integer component index 1 <= j <= K, "
                f"got j={j!r} with K={len(args) - 1}; pass e.g. softmax(1, z1, z2, z3)"
            )
        return super().eval(*args)

    def fdiff(self, argindex: int = 1) -> Expr:
        if len(self.args) == 1 or argindex == 1:
            raise ArgumentIndexError(self, argindex)
        j, zs = self.args[0], self.args[1:]
        c = argindex - 1
        return softmax(j, *zs) * (sp.KroneckerDelta(j, c) - softmax(c, *zs))

    def _eval_rewrite_as_exp(self, *args: Expr, **kwargs: Any) -> Expr:
        if len(args) == 1:
            return self
        j, zs = int(args[0]), args[1:]
        return sp.exp(zs[j - 1]) / sp.Add(*[sp.exp(a) for a in zs])

    def _eval_is_positive(self) -> bool | None:
        if len(self.args) == 1:
            return None
        return fuzzy_and(a.is_real for a in self.args[1:])

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        if len(self.args) == 1:
            body = rf"\operatorname{{softmax}}\left({printer._print(self.args[0])}\right)"
        else:
            j = printer._print(self.args[0])
            body = rf"\operatorname{{softmax}}_{{{j}}}\left({_arg_latex(printer, self.args[1:])}\right)"
        return _with_power(body, exp)


class log_softmax(_Opaque):
    r"""Vector-form log-softmax ``log_softmax(Z)`` (last axis), used by kernels only.

    :func:`expand_components` turns component ``k`` into ``z_k - logsumexp(z_1, ..., z_K)``.

    Examples
    --------
    >>> import sympy as sp
    >>> Z = sp.Symbol("Z")
    >>> sp.latex(log_softmax(Z))
    '\\log\\operatorname{softmax}\\left(Z\\right)'
    """

    nargs = 1

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        return _with_power(
            rf"\log\operatorname{{softmax}}\left({printer._print(self.args[0])}\right)", exp
        )


class rowsum(_Opaque):
    r"""Vector-form sum over the last axis, ``rowsum(E)``, used by kernels only.

    Examples
    --------
    >>> import sympy as sp
    >>> Y, Z = sp.symbols("Y Z")
    >>> expand_components(rowsum(Y * Z), {Y: sp.symbols("y1 y2"), Z: sp.symbols("z1 z2")})
    y1*z1 + y2*z2
    """

    nargs = 1

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        arg = printer._print(self.args[0])
        return _with_power(rf"\operatorname{{rowsum}}\left({arg}\right)", exp)


class expm1(_cfunctions.expm1):
    r"""``expm1(x) = e^x - 1``, printed as :func:`numpy.expm1` (accurate when the result is tiny).

    SymPy's own ``expm1`` (from :mod:`sympy.codegen.cfunctions`), with book
    notation.  The kernels use it for ``p - 1 = expm1(log p)``: ``log p`` is
    accurate even when ``p`` rounds to 1, and ``expm1`` keeps it that way,
    where ``exp(log p) - 1`` would give 0.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> expm1(x).rewrite(sp.exp)
    exp(x) - 1
    >>> sp.latex(expm1(x))
    '\\operatorname{\\mathrm{expm1}}\\left(x\\right)'
    """

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        # \mathrm keeps MathJax from setting the digit apart ("expm 1")
        return _with_power(
            rf"\operatorname{{\mathrm{{expm1}}}}\left({printer._print(self.args[0])}\right)", exp
        )


class log1p(_cfunctions.log1p):
    r"""``log1p(x) = log(1 + x)``, printed as :func:`numpy.log1p` (accurate when ``x`` is tiny).

    SymPy's own ``log1p`` (from :mod:`sympy.codegen.cfunctions`), rewritten to
    ``log(1 + x)`` by :func:`raw`.  The elementary stable forms of the binary
    cross-entropy use it for ``softplus(t) = max(t, 0) + log1p(exp(-|t|))``.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> log1p(x).rewrite(sp.exp)
    log(x + 1)
    >>> sp.latex(log1p(x))
    '\\operatorname{\\mathrm{log1p}}\\left(x\\right)'
    """

    def _eval_rewrite_as_exp(self, x: Expr, **kwargs: Any) -> Expr:
        return sp.log(1 + x)

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        return _with_power(
            rf"\operatorname{{\mathrm{{log1p}}}}\left({printer._print(self.args[0])}\right)", exp
        )


_REDUCTIONS = (logsumexp, rowsum)


def raw(expr: Expr) -> Expr:
    """Rewrite every opaque function (and ``tanh``) in ``expr`` to its textbook exponential form.

    Parameters
    ----------
    expr : sympy expression or Matrix

    Returns
    -------
    sympy expression or Matrix
        Same shape, containing only ``exp``, ``log`` and arithmetic.

    Examples
    --------
    >>> import sympy as sp
    >>> z = sp.Symbol("z", real=True)
    >>> raw(sigmoid(z))
    1/(1 + exp(-z))
    >>> raw(softplus(z) + log_sigmoid(-z))
    0
    """
    return _map(expr, lambda e: e.rewrite(sp.exp))


class Tex(sp.Symbol):
    r"""A display symbol: a SymPy symbol printed verbatim as the LaTeX in its name.

    Used for named quantities such as :math:`\partial L/\partial z` or
    :math:`X^\top(\hat{\mathbf y} - \mathbf y)`; a derivation's ``defs`` give
    each one its meaning for the proofs.

    Examples
    --------
    >>> import sympy as sp
    >>> sp.latex(2 * Tex(r"\frac{\partial L}{\partial z}"))
    '2 \\frac{\\partial L}{\\partial z}'
    """

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        return self.name if exp is None else rf"\left({self.name}\right)^{{{exp}}}"


def _map(expr: Expr, fn: Callable[[Expr], Expr]) -> Expr:
    if isinstance(expr, sp.MatrixBase):
        return sp.ImmutableMatrix(expr.applyfunc(fn))
    return fn(expr)


# ---------------------------------------------------------------------------
# Vector (kernel) forms <-> explicit components
# ---------------------------------------------------------------------------


def _is_elementwise(expr: Expr, comps: Mapping[Any, Sequence[Expr]]) -> bool:
    if expr in comps:
        return True
    if isinstance(expr, _REDUCTIONS) and len(expr.args) == 1:
        return False
    return any(_is_elementwise(a, comps) for a in expr.args)


def expand_components(expr: Expr, components: Mapping[Any, Sequence[Expr]]) -> Expr:
    """Expand a vector-form kernel expression into explicit components.

    Array symbols (``Y``, ``Z``: the rows of ``(n, K)`` arrays) become their
    ``K`` components; ``logsumexp(Z)`` becomes ``logsumexp(z_1, ..., z_K)``,
    ``softmax(Z)`` component ``k`` becomes ``softmax(k, z_1, ..., z_K)``,
    ``log_softmax(Z)`` component ``k`` becomes ``z_k - logsumexp(z_1, ..., z_K)`` and
    ``rowsum(E)`` becomes the sum of ``E``'s components.

    Parameters
    ----------
    expr : sympy expression
        Kernel expression in vector form.
    components : mapping of Symbol to sequence of K expressions

    Returns
    -------
    sympy expression or Matrix of shape (K, 1)
        A scalar when ``expr`` is reduced over the class axis, else a column of
        its ``K`` components.

    Examples
    --------
    >>> import sympy as sp
    >>> Y, Z = sp.symbols("Y Z")
    >>> comps = {Y: sp.symbols("y1 y2"), Z: sp.symbols("z1 z2")}
    >>> expand_components(softmax(Z) - Y, comps)
    Matrix([
    [-y1 + softmax(1, z1, z2)],
    [-y2 + softmax(2, z1, z2)]])
    """
    sizes = {len(v) for v in components.values()}
    if len(sizes) != 1:
        raise ValueError(
            f"components must all have the same length K, got lengths {sorted(sizes)}; "
            "give every array symbol one entry per class"
        )
    (k_count,) = sizes

    def comp(e: Expr, k: int | None) -> Expr:
        if e in components:
            if k is None:
                raise ValueError(
                    f"array symbol {e} used outside a reduction in a reduced expression"
                )
            return components[e][k]
        if isinstance(e, logsumexp) and len(e.args) == 1:
            return logsumexp(*[comp(e.args[0], i) for i in range(k_count)])
        if isinstance(e, rowsum):
            return sp.Add(*[comp(e.args[0], i) for i in range(k_count)])
        if isinstance(e, softmax) and len(e.args) == 1:
            if k is None:
                raise ValueError("softmax(Z) used outside a reduction in a reduced expression")
            return softmax(k + 1, *[comp(e.args[0], i) for i in range(k_count)])
        if isinstance(e, log_softmax):
            if k is None:
                raise ValueError("log_softmax(Z) used outside a reduction in a reduced expression")
            zs = [comp(e.args[0], i) for i in range(k_count)]
            return zs[k] - logsumexp(*zs)
        if not e.args:
            return e
        return e.func(*[comp(a, k) for a in e.args])

    if _is_elementwise(expr, components):
        return sp.ImmutableMatrix([comp(expr, k) for k in range(k_count)])
    return comp(expr, None)


# ---------------------------------------------------------------------------
# Steps and derivations
# ---------------------------------------------------------------------------

_RELATIONS = {"==": "=", ">=": r"\geq", ">": ">", "<=": r"\leq", "<": "<"}


@dataclass(frozen=True)
class Step:
    r"""One step of a :class:`Derivation`.

    Parameters
    ----------
    label : str
        Short human-readable justification, shown next to the step; inline
        math between ``$`` signs is typeset.  Also used to look the step up.
    lhs : sympy expression or None
        Left-hand side.  ``None`` for a ``"chain"`` step: it continues the
        previous step's equation and :class:`Derivation` fills in its lhs.
    rhs : sympy expression or Matrix
        Right-hand side.
    kind : {"claim", "chain"}, default="claim"
        ``"claim"``: prove ``lhs rel rhs`` on its own.  ``"chain"``: prove
        that ``rhs`` equals the previous step's ``rhs`` (a chain of
        equalities about the same quantity).
    rel : {"==", ">=", ">", "<=", "<"}, default="=="
        Relation of a claim.
    tag : str, default=""
        Machine-readable key (e.g. the name of the kernel this step defines).
    note : str, default=""
        Longer explanation (not rendered in the equation block).
    given : mapping or sequence of mappings, optional
        Substitutions that hold for this step (``{a: sigmoid(z)}``, a
        constraint ``{y3: 1 - y1 - y2}``).  A sequence means "for every case":
        the step is proved once per mapping (labels ``y in {0, 1}``, every
        index pair ``(j, c)``...).
    components : mapping, optional
        Array symbol -> explicit components, for vector-form kernel steps
        (see :func:`expand_components`).

    Examples
    --------
    >>> import sympy as sp
    >>> z = sp.Symbol("z", real=True)
    >>> s = claim("symmetry", 1 - sigmoid(z), sigmoid(-z))
    >>> s.eq
    Eq(1 - sigmoid(z), sigmoid(-z))
    """

    label: str
    lhs: Expr
    rhs: Expr
    kind: str = "claim"
    rel: str = "=="
    tag: str = ""
    note: str = ""
    given: Mapping[Any, Expr] | tuple[Mapping[Any, Expr], ...] | None = None
    components: Mapping[Any, Sequence[Expr]] | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("claim", "chain"):
            raise ValueError(f"kind must be 'claim' or 'chain', got {self.kind!r}")
        if self.rel not in _RELATIONS:
            raise ValueError(f"rel must be one of {sorted(_RELATIONS)}, got {self.rel!r}")
        if self.kind == "chain" and self.rel != "==":
            raise ValueError(f"a chain step must be an equality, got rel={self.rel!r}")

    @property
    def cases(self) -> tuple[Mapping[Any, Expr], ...]:
        """The substitutions to prove the step under (one empty mapping if none)."""
        if self.given is None:
            return ({},)
        if isinstance(self.given, Mapping):
            return (self.given,)
        return tuple(self.given)

    @property
    def eq(self) -> Expr:
        """The step as an unevaluated SymPy relation ``lhs rel rhs``."""
        rel = {"==": sp.Eq, ">=": sp.Ge, ">": sp.Gt, "<=": sp.Le, "<": sp.Lt}[self.rel]
        return rel(self.lhs, self.rhs, evaluate=False)

    def latex(self, *, show_lhs: bool = True, annotate: bool | str = True) -> str:
        r"""LaTeX for this step as row(s) of an ``aligned`` block (``lhs &= rhs``).

        ``annotate`` places the label: ``True`` or ``"below"`` on a row of its own
        under the step, in small type (the block is no wider than its equations);
        ``"right"`` in a column to the right; ``False`` not at all.
        """
        where = _annotation_place(annotate)
        lhs = _latex(self.lhs) if show_lhs and self.lhs is not None else ""
        row = rf"{lhs} &{_RELATIONS[self.rel]} {_latex(self.rhs)}"
        if where == "right" and self.label:
            row += rf" &&\quad {_label_latex(self.label)}"
        elif where == "below" and self.label:
            row += rf" \\[-0.5ex]{_BELOW}{{\small {_label_latex(self.label)}}}"
        return row


_BELOW = "\n&\\phantom{=}\\quad "  # annotation row: starts under the step's right-hand side


def _annotation_place(annotate: bool | str) -> str | None:
    """Normalise an ``annotate`` argument to ``"below"``, ``"right"`` or None."""
    if annotate is True or annotate == "below":
        return "below"
    if annotate == "right":
        return "right"
    if annotate is False or annotate is None:
        return None
    raise ValueError(f"annotate must be True, False, 'below' or 'right', got annotate={annotate!r}")


def claim(label: str, lhs: Expr, rhs: Expr, **kwargs: Any) -> Step:
    """Build a ``"claim"`` :class:`Step` (``lhs rel rhs`` proved on its own).

    Examples
    --------
    >>> import sympy as sp
    >>> z = sp.Symbol("z", real=True)
    >>> claim("positive", sigmoid(z), 0, rel=">").rel
    '>'
    """
    return Step(label, lhs, rhs, kind="claim", **kwargs)


def chain(label: str, rhs: Expr, **kwargs: Any) -> Step:
    """Build a ``"chain"`` :class:`Step` (``rhs`` equals the previous step's ``rhs``).

    Examples
    --------
    >>> import sympy as sp
    >>> z = sp.Symbol("z", real=True)
    >>> chain("simplify", sigmoid(z)).kind
    'chain'
    """
    return Step(label, None, rhs, kind="chain", **kwargs)


class DerivationError(AssertionError):
    """Raised by :meth:`Derivation.verify` when a step cannot be proved; names the step."""


@dataclass
class VerificationReport:
    """Result of :meth:`Derivation.verify`: how each step was proved.

    ``bool(report)`` is True (a failed verification raises instead).

    Examples
    --------
    >>> from lrbook.symbolic import sigmoid_derivation
    >>> report = sigmoid_derivation().verify()
    >>> report.name, report.ok
    ('sigmoid', True)
    """

    name: str
    methods: list[tuple[str, str]] = field(default_factory=list)
    ok: bool = True

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        lines = [f"{self.name}: {len(self.methods)} steps verified"]
        lines += [f"  [{i}] {label}: {how}" for i, (label, how) in enumerate(self.methods)]
        return "\n".join(lines)


class LatexMath:
    r"""A tiny display object carrying LaTeX, for Jupyter / myst-nb ``glue``.

    ``text/latex`` is the LaTeX between ``$$``; ``text/plain`` and ``repr`` are the
    LaTeX source itself (what myst-nb stores for a glued object, and what a book
    check compares with).

    Examples
    --------
    >>> m = LatexMath(r"\sigma'(z)")
    >>> m._repr_latex_()
    "$$\\sigma'(z)$$"
    >>> print(repr(m))
    \sigma'(z)
    """

    def __init__(self, latex: str) -> None:
        self.latex = latex

    def _repr_latex_(self) -> str:
        return f"$${self.latex}$$"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/latex": self._repr_latex_(), "text/plain": repr(self)}

    def __repr__(self) -> str:
        # The LaTeX source itself: a glued LatexMath stores it as text/plain, so a
        # recomputed object compares equal to the glued one through repr.
        return self.latex

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LatexMath) and other.latex == self.latex

    def __hash__(self) -> int:
        return hash(self.latex)


class Derivation:
    r"""An ordered, verifiable sequence of steps about one topic.

    Parameters
    ----------
    name : str
        Short key (``"bce"``, ``"softmax"``...).
    title : str
        Human-readable title.
    steps : sequence of Step
    defs : mapping, optional
        Meaning of display symbols (:class:`Tex` or plain symbols) used in the
        steps, substituted before proving.  A definition may contain
        unevaluated ``sympy.Derivative`` objects: they are evaluated after
        substitution.
    raw_only : bool, default=False
        Prove every step in the raw exponential form only (no use of the
        opaque functions' ``fdiff``).  Used by the derivations that *derive*
        those derivatives.
    description : str, default=""

    Examples
    --------
    >>> import sympy as sp
    >>> z = sp.Symbol("z", real=True)
    >>> d = Derivation("demo", "Demo", [
    ...     claim("definition", sigmoid(z), 1 / (1 + sp.exp(-z))),
    ...     claim("symmetry", 1 - sigmoid(z), sigmoid(-z)),
    ... ])
    >>> bool(d.verify())
    True
    >>> print(d.latex(annotate="right"))
    \begin{aligned}
    \sigma\left(z\right) &= \frac{1}{e^{- z} + 1} &&\quad \text{definition} \\
    1 - \sigma\left(z\right) &= \sigma\left(- z\right) &&\quad \text{symmetry}
    \end{aligned}
    >>> print(d.latex())  # labels below the steps: as wide as the equations
    \begin{aligned}
    \sigma\left(z\right) &= \frac{1}{e^{- z} + 1} \\[-0.5ex]
    &\phantom{=}\quad {\small \text{definition}} \\
    1 - \sigma\left(z\right) &= \sigma\left(- z\right) \\[-0.5ex]
    &\phantom{=}\quad {\small \text{symmetry}}
    \end{aligned}
    """

    def __init__(
        self,
        name: str,
        title: str,
        steps: Sequence[Step],
        *,
        defs: Mapping[Any, Expr] | None = None,
        raw_only: bool = False,
        description: str = "",
    ) -> None:
        if not steps:
            raise ValueError(f"derivation {name!r} needs at least one step, got none")
        resolved: list[Step] = []
        for i, step in enumerate(steps):
            if step.kind == "chain":
                if not resolved or resolved[-1].rel != "==":
                    raise ValueError(
                        f"step {i} ({step.label!r}) of {name!r} is a chain step but does not "
                        "follow an equality; start with a claim"
                    )
                step = replace(step, lhs=resolved[-1].lhs)
            resolved.append(step)
        self.name = name
        self.title = title
        self.steps: tuple[Step, ...] = tuple(resolved)
        self.defs: dict[Any, Expr] = dict(defs or {})
        self.raw_only = raw_only
        self.description = description

    def __repr__(self) -> str:
        return f"<Derivation {self.name!r}: {self.title}, {len(self.steps)} steps>"

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def index(self, key: int | str) -> int:
        """Position of a step given its index, ``tag`` or ``label``."""
        if isinstance(key, int):
            if not -len(self.steps) <= key < len(self.steps):
                raise IndexError(f"step index {key} out of range for {len(self.steps)} steps")
            return key % len(self.steps)
        for i, step in enumerate(self.steps):
            if key in (step.tag, step.label):
                return i
        known = [s.tag or s.label for s in self.steps]
        raise KeyError(f"no step {key!r} in derivation {self.name!r}; known steps: {known}")

    def step(self, key: int | str) -> Step:
        """The step with this index, ``tag`` or ``label``."""
        return self.steps[self.index(key)]

    @property
    def result(self) -> Expr:
        """Right-hand side of the last step."""
        return self.steps[-1].rhs

    def replace_step(self, key: int | str, **changes: Any) -> Derivation:
        """Return a copy with one step changed (e.g. ``rhs=...``), for experiments and tests.

        Examples
        --------
        >>> import sympy as sp
        >>> from lrbook.symbolic import sigmoid_derivation
        >>> d = sigmoid_derivation()
        >>> a = sp.Symbol("a", real=True)
        >>> bad = d.replace_step("sigmoid_dz_from_output", rhs=a * (1 + a))
        >>> try:
        ...     bad.verify()
        ... except DerivationError as err:
        ...     print(str(err).split(" (")[0])
        sigmoid: step 8
        """
        i = self.index(key)
        original = [replace(s, lhs=None) if s.kind == "chain" else s for s in self.steps]
        original[i] = replace(original[i], **changes)
        if original[i].kind == "chain":
            original[i] = replace(original[i], lhs=None)
        return Derivation(
            self.name,
            self.title,
            original,
            defs=self.defs,
            raw_only=self.raw_only,
            description=self.description,
        )

    # -- proofs ---------------------------------------------------------------

    def verify(self, *, mode: str = "auto") -> VerificationReport:
        """Prove every step with SymPy.

        Parameters
        ----------
        mode : {"auto", "raw"}, default="auto"
            ``"auto"`` first tries the algebra of the opaque functions (whose
            ``fdiff`` are themselves proved in :func:`opaque_functions_derivation`)
            and falls back to the raw exponential form; ``"raw"`` always
            rewrites to the raw form before differentiating.

        Returns
        -------
        VerificationReport
            Truthy; lists how each step was proved.

        Raises
        ------
        DerivationError
            Naming the first step (index and label) that does not hold.
        """
        if mode not in ("auto", "raw"):
            raise ValueError(f"mode must be 'auto' or 'raw', got {mode!r}")
        use_raw = self.raw_only or mode == "raw"
        report = VerificationReport(self.name)
        for i, step in enumerate(self.steps):
            prev = self.steps[i - 1] if step.kind == "chain" else None
            how = None
            for case in step.cases:
                how = self._prove_step(step, prev, case, use_raw)
                if how is None:
                    shown = "" if case == {} else f" in case {dict(case)}"
                    raise DerivationError(
                        f"{self.name}: step {i} ({step.label}) does not hold{shown}\n"
                        f"  {self._describe(step, prev)}"
                    )
            report.methods.append((step.label, how or "identical"))
        return report

    def _describe(self, step: Step, prev: Step | None) -> str:
        if prev is not None:
            return f"claimed {sp.sstr(prev.rhs)}  ==  {sp.sstr(step.rhs)}"
        return f"claimed {sp.sstr(step.lhs)}  {step.rel}  {sp.sstr(step.rhs)}"

    def _prepare(self, expr: Expr, step: Step, case: Mapping[Any, Expr], raw_mode: bool) -> Expr:
        if not isinstance(expr, sp.MatrixBase):
            expr = sp.sympify(expr)
        if step.components:
            expr = expand_components(expr, step.components)
        mapping = {**self.defs, **case}
        for _ in range(10):
            new = _map(expr, lambda e: e.doit(simplify=False))
            new = _subs(new, mapping)
            if raw_mode:
                new = raw(new)
            if new == expr:
                break
            expr = new
        else:  # pragma: no cover - definitions are not cyclic
            raise DerivationError(f"{self.name}: definitions did not settle for {expr}")
        return _map(expr, lambda e: e.doit(simplify=False))

    def _prove_step(
        self, step: Step, prev: Step | None, case: Mapping[Any, Expr], use_raw: bool
    ) -> str | None:
        if prev is not None:
            prev_case = {**(prev.cases[0] if len(prev.cases) == 1 else {}), **case}
            sides = [(prev, prev.rhs, prev_case), (step, step.rhs, case)]
        else:
            sides = [(step, step.lhs, case), (step, step.rhs, case)]
        modes = [True] if use_raw else [False, True]
        for raw_mode in modes:
            left = self._prepare(sides[0][1], sides[0][0], sides[0][2], raw_mode)
            right = self._prepare(sides[1][1], sides[1][0], sides[1][2], raw_mode)
            how = _prove_relation(left, right, step.rel, opaque=not raw_mode)
            if how == "disproved":
                return None
            if how is not None:
                return how
        return None

    # -- rendering --------------------------------------------------------------

    def latex(
        self, *, steps: Sequence[int | str] | None = None, annotate: bool | str = True
    ) -> str:
        r"""All (or some) steps as one ``\begin{aligned} ... \end{aligned}`` block, no ``$$``.

        Parameters
        ----------
        steps : sequence of int or str, optional
            Indices, tags or labels of the steps to show (default: all).
        annotate : bool or {"below", "right"}, default=True
            Where to show each step's label: ``True`` / ``"below"`` on a row of its
            own under the step in small type (the block is as wide as its widest
            equation, so it fits a text column), ``"right"`` in a column on the
            right (wide), ``False`` nowhere.
        """
        _annotation_place(annotate)
        idx = list(range(len(self.steps))) if steps is None else [self.index(k) for k in steps]
        rows = []
        for n, i in enumerate(idx):
            step = self.steps[i]
            show_lhs = step.kind == "claim" or n == 0 or idx[n - 1] != i - 1
            rows.append(step.latex(show_lhs=show_lhs, annotate=annotate))
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def step_latex(self, key: int | str, *, annotate: bool | str = False) -> str:
        r"""One step as LaTeX (``lhs = rhs``, no alignment characters, no ``$$``).

        Examples
        --------
        >>> from lrbook.symbolic import sigmoid_derivation
        >>> sigmoid_derivation().step_latex("sigmoid_dz_from_output")
        "\\sigma'(z) = a \\left(1 - a\\right)"
        """
        step = self.step(key)
        body = f"{_latex(step.lhs)} {_RELATIONS[step.rel]} {_latex(step.rhs)}"
        if _annotation_place(annotate) and step.label:
            body += rf" \quad {{\small {_label_latex(step.label)}}}"
        return body

    def math(
        self,
        steps: Sequence[int | str] | int | str | None = None,
        *,
        annotate: bool | str | None = None,
    ) -> LatexMath:
        r"""A display object (``text/latex``) for myst-nb ``glue`` / Jupyter.

        ``steps`` may be one key (rendered with :meth:`step_latex`, no label
        unless ``annotate`` asks for one) or a sequence of keys (rendered with
        :meth:`latex`, labels below each step unless ``annotate`` says otherwise).

        Examples
        --------
        >>> from lrbook.symbolic import sigmoid_derivation
        >>> d = sigmoid_derivation()
        >>> print(repr(d.math("sigmoid_dz_from_output")))
        \sigma'(z) = a \left(1 - a\right)
        >>> d.math([0, 1]) == d.math([0, 1])
        True
        >>> "text{definition}" in repr(d.math([0, 1], annotate=False))
        False
        """
        if isinstance(steps, int | str):
            return LatexMath(self.step_latex(steps, annotate=annotate or False))
        return LatexMath(self.latex(steps=steps, annotate=True if annotate is None else annotate))

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"


# Kernel arguments whose code names read badly as maths (``back`` would print as b a c k).
_TEX_NAMES: dict[Expr, str] = {}


def _latex(expr: Expr) -> str:
    return sp.latex(expr, mat_delim="(", mat_str="matrix", order="rev-lex", symbol_names=_TEX_NAMES)


def _label_latex(label: str) -> str:
    parts = label.split("$")
    out = []
    for i, part in enumerate(parts):
        if not part:
            continue
        if i % 2:
            out.append(part)
        else:
            esc = re.sub(r"([_%&#{}])", r"\\\1", part)
            out.append(rf"\text{{{esc}}}")
    return " ".join(out) if out else ""


def _subs(expr: Expr, mapping: Mapping[Any, Expr]) -> Expr:
    if isinstance(expr, sp.MatrixBase):
        return sp.ImmutableMatrix(expr.applyfunc(lambda e: _subs(e, mapping)))
    if expr in mapping:
        return mapping[expr]
    return expr.xreplace(dict(mapping))


# ---------------------------------------------------------------------------
# The prover
# ---------------------------------------------------------------------------


def _normalize_exp(e: Expr) -> Expr:
    """Split exp(a + b) into exp(a) exp(b) so that polynomial algebra sees shared generators."""
    e = e.replace(sp.exp, lambda arg: sp.exp(sp.expand(arg)))
    return sp.expand_power_exp(e)


def _numeric_value(e: Expr, point: Mapping[Any, Expr]) -> complex | None:
    try:
        v = e.xreplace(dict(point))  # opaque functions of Floats evaluate themselves
        if not v.is_number:
            v = raw(v)
        if v.free_symbols or v.has(sp.Derivative) or not v.is_number:
            return None
        c = complex(v.evalf(30))
    except (TypeError, ValueError, ZeroDivisionError, AttributeError):
        return None
    if c != c or abs(c) == float("inf"):
        return None
    return c


def _numerically_nonzero(e: Expr) -> bool:
    """A disproof: the expression is clearly nonzero at some point (never a proof of zero)."""
    syms = sorted(e.free_symbols, key=sp.default_sort_key)
    rng = random.Random(20240611)
    for _ in range(3):
        point = {s: sp.Float(rng.randint(-1200, 1200) / 1000, 30) for s in syms}
        v = _numeric_value(e, point)
        if v is not None and abs(v) > 1e-12:
            return True
    return False


def _is_zero(e: Expr, depth: int = 0) -> str | None:
    """Return how ``e == 0`` was proved, or None."""
    if e == 0:
        return "identical"
    if e.is_number and e.is_zero:
        return "evaluates to 0"
    for how, transform in (
        ("cancel", lambda x: sp.cancel(sp.together(_normalize_exp(x)))),
        ("expand_log + cancel", lambda x: sp.cancel(_normalize_exp(sp.expand_log(x, force=True)))),
    ):
        try:
            if transform(e) == 0:
                return how
        except (sp.PolynomialError, TypeError, ValueError):  # pragma: no cover
            pass
    # Logarithms: a smooth function on a connected domain with zero gradient that
    # vanishes at one point vanishes everywhere.
    if depth < 3 and e.has(sp.log):
        syms = sorted(e.free_symbols, key=sp.default_sort_key)
        if all(_is_zero(sp.diff(e, s), depth + 1) for s in syms):
            at0 = e.subs(dict.fromkeys(syms, 0))
            if _is_zero(at0, depth + 1) if not at0.has(sp.zoo, sp.nan) else False:
                return "zero gradient and zero at the origin"
    if depth == 0:
        if sp.simplify(e) == 0:
            return "simplify"
        if e.equals(0) is True:
            return "equals(0)"
    return None


def _is_matrix(*exprs: Expr) -> bool:
    return any(isinstance(e, sp.MatrixBase) for e in exprs)


def _prove_asymptotic(diff: Expr) -> str | None:
    """Prove ``diff = O(h**k)`` (``diff`` carries its ``Order`` term) by a Taylor series.

    SymPy expands the part without the ``Order`` term in powers of ``h`` up to
    (not including) ``h**k``; every coefficient must vanish.
    """
    order = diff.getO()
    if (
        order is None
        or len(order.variables) != 1
        or any(p != 0 for p in order.point)
        or not order.expr.is_Pow
        or not order.expr.exp.is_Integer
    ):
        return None  # only O(h**k) as h -> 0
    (h,) = order.variables
    k = int(order.expr.exp)
    rest = diff.removeO()
    try:
        series = sp.series(rest, h, 0, k).removeO().doit()
    except (NotImplementedError, ValueError, TypeError):  # pragma: no cover
        return None
    if sp.expand(sp.simplify(series)) == 0:
        return f"Taylor series in {h} to order {h}**{k}"
    return "disproved"


def _prove_relation(left: Expr, right: Expr, rel: str, *, opaque: bool) -> str | None:
    """Prove ``left rel right``; None if not proved, "disproved" if clearly false."""
    if rel == "==" and (left - right).has(sp.Order) if not _is_matrix(left, right) else False:
        return _prove_asymptotic(left - right)
    lmat, rmat = isinstance(left, sp.MatrixBase), isinstance(right, sp.MatrixBase)
    if lmat or rmat:
        if not (lmat and rmat) or left.shape != right.shape or rel != "==":
            return "disproved"
        hows = [_prove_relation(a, b, rel, opaque=opaque) for a, b in zip(left, right, strict=True)]
        if "disproved" in hows:
            return "disproved"
        if any(h is None for h in hows):
            return None
        return sorted(set(hows), key=hows.index)[-1]
    diff = left - right
    if rel == "==":
        if _numerically_nonzero(diff):
            return "disproved"
        if opaque:
            if sp.expand(diff) == 0 or sp.cancel(sp.together(diff)) == 0:
                return "algebra of the opaque functions"
            return None
        return _is_zero(diff)
    if opaque:
        return None
    check = {
        ">=": "is_nonnegative",
        ">": "is_positive",
        "<=": "is_nonpositive",
        "<": "is_negative",
    }[rel]
    for transform in (lambda x: x, sp.factor, lambda x: sp.factor(sp.cancel(x)), sp.simplify):
        if getattr(transform(diff), check) is True:
            return f"sign ({check.removeprefix('is_')})"
    return None


# ---------------------------------------------------------------------------
# Symbols shared by derivations and kernels
# ---------------------------------------------------------------------------

z, y, a = sp.symbols("z y a", real=True)
back = sp.Symbol("back", real=True)
_TEX_NAMES[back] = r"(W^{(2)} \delta^{(2)})_h"
p_j, p_c, delta_jc = sp.symbols("p_j p_c delta_jc", real=True)
Y, Z = sp.symbols("Y Z", real=True)
U = sp.UnevaluatedExpr


def _bce_of(yhat: Expr, label: Expr) -> Expr:
    """Textbook binary cross-entropy of a prediction ``yhat`` for label ``label``."""
    return -label * sp.log(yhat) - (1 - label) * sp.log(1 - yhat)


def _syms(fmt: str, *shape: int) -> Any:
    """Real symbols named with ``fmt`` over 1-based indices; a list or a Matrix."""
    if len(shape) == 1:
        return [sp.Symbol(fmt.format(i + 1), real=True) for i in range(shape[0])]
    rows, cols = shape
    return sp.ImmutableMatrix(
        rows, cols, lambda i, j: sp.Symbol(fmt.format(i + 1, j + 1), real=True)
    )


def _define(defs: dict[Any, Expr], symbol: Any, value: Expr) -> None:
    """Add a definition, refusing to silently redefine a display symbol."""
    if symbol in defs:
        raise ValueError(f"display symbol {symbol} is defined twice; give it a distinct name")
    defs[symbol] = value


def _grad(f: Expr, variables: Sequence[Any]) -> Any:
    return sp.ImmutableMatrix([sp.Derivative(f, v) for v in variables])


# ---------------------------------------------------------------------------
# Derivations
# ---------------------------------------------------------------------------


@functools.cache
def opaque_functions_derivation() -> Derivation:
    """The opaque functions' derivatives (``fdiff``) equal the derivatives of their raw forms.

    Every other derivation may differentiate opaque functions symbolically;
    this one proves, in the raw exponential form only, that doing so is right.

    Examples
    --------
    >>> bool(opaque_functions_derivation().verify())
    True
    """
    zs = _syms("z{}", 3)
    steps = []
    for f in (sigmoid, log_sigmoid, softplus):
        fz = f(z)
        steps.append(
            claim(
                f"{f.__name__.replace('_', '-')}: derivative of the raw form",
                fz.diff(z),  # evaluated with fdiff
                sp.Derivative(raw(fz), z),
            )
        )
    lse = logsumexp(*zs)
    steps.append(
        claim(
            "logsumexp: gradient is the softmax",
            sp.ImmutableMatrix([lse.diff(v) for v in zs]),
            _grad(raw(lse), zs),
        )
    )
    jac = sp.ImmutableMatrix(3, 3, lambda j, c: softmax(j + 1, *zs).diff(zs[c]))
    raw_jac = sp.ImmutableMatrix(3, 3, lambda j, c: sp.Derivative(raw(softmax(j + 1, *zs)), zs[c]))
    # The 3 x 3 matrices are shown by their entries (written out they are ~1700 px wide);
    # the shown entry is checked against what fdiff returns, so the display cannot drift.
    shown = sp.ImmutableMatrix(
        3, 3, lambda j, c: softmax(j + 1, *zs) * (int(j == c) - softmax(c + 1, *zs))
    )
    if sp.expand(jac - shown) != sp.zeros(3, 3):  # pragma: no cover - guards the display
        raise DerivationError("softmax.fdiff no longer gives softmax_j (delta_jc - softmax_c)")
    jac_tex = Tex(r"\bigl(s_j (\delta_{jc} - s_c)\bigr)_{j,c=1}^{3}")
    raw_jac_tex = Tex(
        r"\left(\frac{\partial}{\partial z_c} \frac{e^{z_j}}{e^{z_1} + e^{z_2} + e^{z_3}}"
        r"\right)_{j,c=1}^{3}"
    )
    steps.append(
        claim(
            r"softmax: Jacobian, entry by entry, $s_j = \operatorname{softmax}_j(\mathbf{z})$",
            jac_tex,
            raw_jac_tex,
        )
    )
    steps.append(claim("tanh: derivative", sp.tanh(z).diff(z), sp.Derivative(raw(sp.tanh(z)), z)))
    return Derivation(
        "opaque_functions",
        "Derivatives of the opaque functions",
        steps,
        defs={jac_tex: jac, raw_jac_tex: raw_jac},
        raw_only=True,
        description="fdiff of every opaque function equals the derivative of its raw form.",
    )


@functools.cache
def sigmoid_derivation() -> Derivation:
    r"""The sigmoid's derivative :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))`, from the definition.

    Proved in the raw form only (it derives the rule the opaque ``sigmoid``
    uses).  Tags: ``sigmoid_dz_from_output`` (kernel ``a*(1 - a)``).

    Examples
    --------
    >>> sigmoid_derivation().result
    a*(1 - a)
    """
    e = sp.exp(-z)
    d = 1 + e
    dsig = Tex(r"\sigma'(z)")
    steps = [
        claim("definition", sigmoid(z), 1 / d),
        claim("differentiate the definition", dsig, sp.Derivative(1 / d, z)),
        chain("chain rule", e / d**2),
        chain("split the fraction", U(1 / d) * U(e / d)),
        chain(r"$\frac{e^{-z}}{1 + e^{-z}} = 1 - \frac{1}{1 + e^{-z}}$", U(1 / d) * U(1 - 1 / d)),
        chain(r"recognise $\sigma(z)$", sigmoid(z) * (1 - sigmoid(z)), tag="sigma_prime"),
        chain(r"$1 - \sigma(z) = \sigma(-z)$", sigmoid(z) * sigmoid(-z)),
        claim("symmetry", 1 - sigmoid(z), sigmoid(-z), tag="symmetry"),
        claim(
            r"in terms of the output $a = \sigma(z)$",
            dsig,
            a * (1 - a),
            given={a: sigmoid(z)},
            tag="sigmoid_dz_from_output",
            note="Backpropagation stores the activation a, so the kernel takes a, not z.",
        ),
    ]
    return Derivation(
        "sigmoid",
        "The sigmoid and its derivative",
        steps,
        defs={dsig: sp.Derivative(sigmoid(z), z)},
        raw_only=True,
    )


@functools.cache
def tanh_derivation() -> Derivation:
    r"""The derivative of tanh, :math:`\tanh'(z) = 1 - \tanh^2(z)`.

    Tags: ``tanh_dz_from_output`` (kernel ``1 - a**2``).

    Examples
    --------
    >>> tanh_derivation().step("tanh_dz_from_output").rhs
    1 - a**2
    """
    ep, em = sp.exp(z), sp.exp(-z)
    dtanh = Tex(r"\tanh'(z)")
    steps = [
        claim("definition", sp.tanh(z), (ep - em) / (ep + em)),
        claim("differentiate the definition", dtanh, sp.Derivative((ep - em) / (ep + em), z)),
        chain("quotient rule", ((ep + em) ** 2 - (ep - em) ** 2) / (ep + em) ** 2),
        chain("split the fraction", 1 - (ep - em) ** 2 / (ep + em) ** 2),
        chain(r"recognise $\tanh(z)$", 1 - sp.tanh(z) ** 2),
        claim(
            r"in terms of the output $a = \tanh(z)$",
            dtanh,
            1 - a**2,
            given={a: sp.tanh(z)},
            tag="tanh_dz_from_output",
        ),
        claim("relation to the sigmoid", sp.tanh(z), 2 * sigmoid(2 * z) - 1),
    ]
    return Derivation(
        "tanh",
        "The tanh activation and its derivative",
        steps,
        defs={dtanh: sp.Derivative(sp.tanh(z), z)},
        raw_only=True,
    )


@functools.cache
def bernoulli_nll_derivation() -> Derivation:
    r"""Binary cross-entropy as the negative log-likelihood of a Bernoulli model.

    The label of one example is 1 with probability :math:`\hat y` and 0 with
    probability :math:`1 - \hat y`; one formula covers both labels; its negative
    logarithm is the per-example loss; for independent examples the likelihood
    is a product, and its negative log a sum (here for :math:`n = 3` explicit
    examples).  Tags: ``bernoulli`` (``P(y | x) = yhat^y (1 - yhat)^(1 - y)``,
    for y in {0, 1}), ``nll_one``, ``likelihood``, ``nll_sum``, ``bce_mean``.

    Examples
    --------
    >>> d = bernoulli_nll_derivation()
    >>> bool(d.verify())
    True
    >>> d.step("nll_one").rhs
    -y*log(\hat{y}) - (1 - y)*log(1 - \hat{y})
    """
    # yhat = sigma(z) in (0, 1): a probability, as the model of the book predicts it
    yhat = Tex(r"\hat{y}")
    P1 = Tex(r"P(y = 1 \mid x)")
    P0 = Tex(r"P(y = 0 \mid x)")
    Py = Tex(r"P(y \mid x)")
    nll1 = Tex(r"-\log P(y \mid x)")
    bernoulli = yhat**y * (1 - yhat) ** (1 - y)
    defs: dict[Any, Expr] = {
        yhat: sigmoid(z),
        P1: yhat,
        P0: 1 - yhat,
        # the model: label 1 with probability yhat, label 0 otherwise
        Py: sp.Piecewise((yhat, sp.Eq(y, 1)), (1 - yhat, True)),
        nll1: -sp.log(bernoulli),
    }
    n = 3
    yh = [Tex(rf"\hat{{y}}_{{{i + 1}}}") for i in range(n)]
    ys = _syms("y_{}", n)
    defs.update({yh[i]: sigmoid(zi) for i, zi in enumerate(_syms("z_{}", n))})
    per_example = [yh[i] ** ys[i] * (1 - yh[i]) ** (1 - ys[i]) for i in range(n)]
    lik = Tex(r"P(\mathbf{y} \mid X)")
    lik_prod = Tex(r"\prod_{i=1}^{n} \hat{y}_i^{\,y_i} \left(1 - \hat{y}_i\right)^{1 - y_i}")
    nll = Tex(r"-\log P(\mathbf{y} \mid X)")
    nll_sum = Tex(
        r"-\sum_{i=1}^{n} \left(y_i \log \hat{y}_i + (1 - y_i) \log\left(1 - \hat{y}_i\right)\right)"
    )
    mean = Tex(r"-\tfrac{1}{n}\log P(\mathbf{y} \mid X)")
    mean_sum = Tex(
        r"-\tfrac{1}{n}\sum_{i=1}^{n} \left(y_i \log \hat{y}_i "
        r"+ (1 - y_i) \log\left(1 - \hat{y}_i\right)\right)"
    )
    defs.update(
        {
            # independent examples: the joint probability is the product of the P(y_i | x_i)
            lik: sp.Mul(
                *[sp.Piecewise((yh[i], sp.Eq(ys[i], 1)), (1 - yh[i], True)) for i in range(n)]
            ),
            lik_prod: sp.Mul(*per_example),
            nll: -sp.log(sp.Mul(*per_example)),
            nll_sum: -sp.Add(
                *[ys[i] * sp.log(yh[i]) + (1 - ys[i]) * sp.log(1 - yh[i]) for i in range(n)]
            ),
            mean: -sp.log(sp.Mul(*per_example)) / n,
            mean_sum: -sp.Add(
                *[ys[i] * sp.log(yh[i]) + (1 - ys[i]) * sp.log(1 - yh[i]) for i in range(n)]
            )
            / n,
        }
    )
    labels = tuple({ys[i]: (mask >> i) & 1 for i in range(n)} for mask in range(2**n))
    steps = [
        claim(r"the model: label 1 with probability $\hat{y}$", P1, yhat),
        claim("label 0 with the rest", P0, 1 - yhat),
        claim(
            r"one formula for both labels $y \in \{0, 1\}$ (Bernoulli)",
            Py,
            bernoulli,
            given=({y: 0}, {y: 1}),
            tag="bernoulli",
        ),
        claim(
            "negative log: the loss of one example",
            nll1,
            -y * sp.log(yhat) - (1 - y) * sp.log(1 - yhat),
            tag="nll_one",
        ),
        claim(
            r"independent examples: a product over $\mathbf{y} = (y_1, \dots, y_n)$, $n = 3$",
            lik,
            lik_prod,
            given=labels,
            tag="likelihood",
        ),
        claim("the log of a product is the sum of the logs", nll, nll_sum, tag="nll_sum"),
        claim(
            "divide by $n$: the mean binary cross-entropy",
            mean,
            mean_sum,
            tag="bce_mean",
        ),
    ]
    return Derivation(
        "bernoulli_nll",
        "Binary cross-entropy as a negative log-likelihood",
        steps,
        defs=defs,
        description="The Bernoulli likelihood of 0/1 labels and its negative logarithm.",
    )


@functools.cache
def bce_derivation() -> Derivation:
    r"""Binary cross-entropy: its gradient through the sigmoid, per sample and vectorised.

    Tags: ``bce_dz`` (kernel ``(1 - 2y) sigma((1 - 2y) z)``, equal to
    ``sigma(z) - y`` for labels y in {0, 1}, one sigmoid, exact in both tails), ``bce_loss`` (kernel
    ``softplus((1 - 2y) z)``, valid for labels y in {0, 1}; it never multiplies
    0 by an infinite logit), ``grad_mean``, ``grad_sum``, ``grad_intercept``,
    ``grad_ones_column``, ``bce_loss_elementary`` and ``bce_dz_elementary`` (the same loss
    and gradient written with ``max``, ``|.|``, ``exp``, ``log1p`` and a case split, sharing
    ``exp(-|t|)`` with ``t = (1 - 2y) z``: the components of the fused kernel ``bce_loss_dz``).

    Examples
    --------
    >>> bce_derivation().step("bce_loss").rhs
    softplus(z*(1 - 2*y))
    """
    yhat = Tex(r"\hat{y}")
    L = Tex("L")
    L_yhat = _bce_of(yhat, y)
    dL_dyhat = Tex(r"\frac{\partial L}{\partial \hat{y}}")
    dyhat_dz = Tex(r"\frac{\partial \hat{y}}{\partial z}")
    dL_dz = Tex(r"\frac{\partial L}{\partial z}")
    defs: dict[Any, Expr] = {
        yhat: sigmoid(z),
        L: L_yhat,
        dL_dyhat: sp.Derivative(L_yhat, yhat),
        dyhat_dz: sp.Derivative(sigmoid(z), z),
        dL_dz: sp.Derivative(_bce_of(sigmoid(z), y), z),
    }
    # one sample with two features and an intercept
    x1, x2, w1, w2, b = sp.symbols("x_1 x_2 w_1 w_2 b", real=True)
    zlin = b + w1 * x1 + w2 * x2
    L1 = _bce_of(sigmoid(zlin), y)
    grad1 = Tex(r"\nabla_{\mathbf{w}} L")
    dL_db = Tex(r"\frac{\partial L}{\partial b}")
    defs[grad1] = _grad(L1, [w1, w2])
    defs[dL_db] = sp.Derivative(L1, b)
    # elementary stable forms: t = (1 - 2y) z, one exponential exp(-|t|) <= 1 for both outputs;
    # U keeps |t| from being rewritten to |(2y - 1) z|, so t is one shared subexpression
    t = (1 - 2 * y) * z
    e_t = sp.exp(-sp.Abs(U(t)))
    u_nonneg = sp.Symbol("u", nonnegative=True)
    v_pos = sp.Symbol("v", positive=True)
    # y = 0: t = z; y = 1: t = -z.  Each label with t >= 0 (u >= 0) and t < 0 (v > 0).
    stable_cases = ({y: 0, z: u_nonneg}, {y: 0, z: -v_pos}, {y: 1, z: -u_nonneg}, {y: 1, z: v_pos})
    # n = 3 samples, 2 features
    n = 3
    X = _syms("x_{{{}{}}}", n, 2)
    ys = sp.ImmutableMatrix(_syms("y_{}", n))
    w = sp.ImmutableMatrix([w1, w2])
    zv = X * w + b * sp.ones(n, 1)
    s = zv.applyfunc(sigmoid)
    loss_sum = sp.Add(*[_bce_of(sigmoid(zv[i]), ys[i]) for i in range(n)])
    loss_mean = loss_sum / n
    ones = sp.ones(n, 1)
    X1 = sp.ImmutableMatrix.hstack(ones, X)
    theta = [b, w1, w2]
    g_mean, g_sum = Tex(r"\nabla_{\mathbf{w}} \bar{L}"), Tex(r"\nabla_{\mathbf{w}} L_{\Sigma}")
    index_mean = Tex(r"\frac{1}{n}\sum_{i=1}^{n} \left(\sigma(z_i) - y_i\right) \mathbf{x}_i")
    vec_mean = Tex(r"\frac{1}{n} X^\top\left(\sigma(X\mathbf{w} + b\mathbf{1}) - \mathbf{y}\right)")
    vec_sum = Tex(r"X^\top\left(\sigma(X\mathbf{w} + b\mathbf{1}) - \mathbf{y}\right)")
    db_mean = Tex(r"\frac{\partial \bar{L}}{\partial b}")
    vec_b = Tex(
        r"\frac{1}{n}\mathbf{1}^\top\left(\sigma(X\mathbf{w} + b\mathbf{1}) - \mathbf{y}\right)"
    )
    g_theta = Tex(r"\nabla_{\boldsymbol{\theta}} \bar{L}")
    vec_theta = Tex(r"\frac{1}{n} X_1^\top\left(\sigma(X_1\boldsymbol{\theta}) - \mathbf{y}\right)")
    defs.update(
        {
            g_mean: _grad(loss_mean, [w1, w2]),
            g_sum: _grad(loss_sum, [w1, w2]),
            index_mean: sp.ImmutableMatrix(
                [sp.Add(*[(s[i] - ys[i]) * X[i, j] for i in range(n)]) / n for j in range(2)]
            ),
            vec_mean: X.T * (s - ys) / n,
            vec_sum: X.T * (s - ys),
            db_mean: sp.Derivative(loss_mean, b),
            vec_b: (ones.T * (s - ys))[0, 0] / n,
            g_theta: _grad(loss_mean, theta),
            vec_theta: X1.T * (s - ys) / n,
        }
    )
    steps = [
        claim("loss of one sample", L, L_yhat),
        claim(
            r"differentiate with respect to $\hat{y}$", dL_dyhat, -y / yhat + (1 - y) / (1 - yhat)
        ),
        chain("common denominator", (yhat - y) / (yhat * (1 - yhat)), tag="dL_dyhat"),
        claim(r"derivative of the sigmoid", dyhat_dz, yhat * (1 - yhat)),
        claim("chain rule", dL_dz, dL_dyhat * dyhat_dz),
        chain("substitute", U((yhat - y) / (yhat * (1 - yhat))) * U(yhat * (1 - yhat))),
        chain("cancel", yhat - y),
        chain(r"$\hat{y} = \sigma(z)$", sigmoid(z) - y, tag="dL_dz"),
        chain(
            r"stable form for $y \in \{0, 1\}$, using $1 - \sigma(z) = \sigma(-z)$",
            (1 - 2 * y) * sigmoid((1 - 2 * y) * z),
            given=({y: 0}, {y: 1}),
            tag="bce_dz",
            note=(
                "Exact in both tails with one sigmoid: sigma(z) for y = 0 and -sigma(-z) for "
                "y = 1, never 1.0 - 1. Labels must be 0 or 1."
            ),
        ),
        claim(
            "loss from the logit",
            L,
            -y * log_sigmoid(z) - (1 - y) * log_sigmoid(-z),
            tag="bce_logit",
        ),
        claim(
            r"for labels $y \in \{0, 1\}$",
            L,
            softplus((1 - 2 * y) * z),
            given=({y: 0}, {y: 1}),
            tag="bce_loss",
            note=(
                "No 0 * inf at infinite logits: -y log sigma(z) - (1 - y) log sigma(-z) would "
                "compute 0 * (-inf) = NaN at z = -inf, y = 1."
            ),
        ),
        claim(
            r"one sample, $z = b + \mathbf{w}^\top\mathbf{x}$",
            grad1,
            sp.ImmutableMatrix([(sigmoid(z) - y) * x1, (sigmoid(z) - y) * x2]),
            given={z: zlin},
            tag="grad_one_sample",
        ),
        claim("intercept, one sample", dL_db, sigmoid(z) - y, given={z: zlin}),
        claim("mean over $n$ samples (here $n = 3$)", g_mean, index_mean),
        chain("as matrix products", vec_mean, tag="grad_mean"),
        claim("sum reduction", g_sum, vec_sum, tag="grad_sum"),
        claim("intercept, mean reduction", db_mean, vec_b, tag="grad_intercept"),
        claim(
            r"intercept as a column of ones, $X_1 = [\mathbf{1}\ X]$, "
            r"$\boldsymbol{\theta} = (b, \mathbf{w})$",
            g_theta,
            vec_theta,
            tag="grad_ones_column",
        ),
        claim(
            r"elementary stable loss, $t = (1 - 2y) z$ (cases $t \geq 0$, $t < 0$)",
            L,
            sp.Max(t, 0) + log1p(e_t),
            given=stable_cases,
            tag="bce_loss_elementary",
            note=(
                "``softplus(t) = max(t, 0) + log1p(exp(-|t|))``, written with elementary pieces "
                "so that ``exp(-|t|)`` is shared with the gradient; ``exp(-|t|) <= 1`` never "
                "overflows."
            ),
        ),
        claim(
            r"elementary stable gradient, same $t$ and $e^{-|t|}$",
            dL_dz,
            (1 - 2 * y) * sp.Piecewise((1, t >= 0), (e_t, True)) / (1 + e_t),
            given=stable_cases,
            tag="bce_dz_elementary",
            note=(
                "``sigma(t) = where(t >= 0, 1, exp(-|t|)) / (1 + exp(-|t|))``: the denominator "
                "is in [1, 2], so nothing overflows and 0 * inf never occurs."
            ),
        ),
    ]
    return Derivation("bce", "Binary cross-entropy and its gradient", steps, defs=defs)


@functools.cache
def convexity_derivation() -> Derivation:
    r"""Squared error through the sigmoid is not convex in z; cross-entropy is.

    Tags: ``bce_d2z`` (``sigma(z) sigma(-z)``), ``bce_d2z_exp`` (kernel
    ``exp(-|z|) / (1 + exp(-|z|))**2``: the same value with one exponential).

    Examples
    --------
    >>> convexity_derivation().step("bce_d2z").rhs
    sigmoid(-z)*sigmoid(z)
    >>> convexity_derivation().step("bce_d2z_exp").rhs
    exp(-Abs(z))/(1 + exp(-Abs(z)))**2
    """
    s = sigmoid(z)
    u_nonneg = sp.Symbol("u", nonnegative=True)
    lsq = Tex(r"\ell_{\mathrm{sq}}")
    d2sq = Tex(r"\frac{\partial^2 \ell_{\mathrm{sq}}}{\partial z^2}")
    at_pos = Tex(r"\left.\frac{\partial^2 \ell_{\mathrm{sq}}}{\partial z^2}\right|_{y=0,\,z=2}")
    at_neg = Tex(r"\left.\frac{\partial^2 \ell_{\mathrm{sq}}}{\partial z^2}\right|_{y=0,\,z=-2}")
    d2bce = Tex(r"\frac{\partial^2 L}{\partial z^2}")
    sig = Tex(r"\sigma")  # short for sigma(z) in the widest line
    sq = (sigmoid(z) - y) ** 2
    d2_y0 = sp.Derivative(sq.subs(y, 0), (z, 2))
    defs = {
        lsq: sq,
        d2sq: sp.Derivative(sq, (z, 2)),
        at_pos: sp.Subs(d2_y0, z, 2),
        at_neg: sp.Subs(d2_y0, z, -2),
        d2bce: sp.Derivative(_bce_of(sigmoid(z), y), (z, 2)),
        sig: sigmoid(z),
    }
    steps = [
        claim("squared error through the sigmoid", lsq, sq),
        claim(
            r"differentiate twice; $\sigma$ stands for $\sigma(z)$",
            d2sq,
            2 * sig * (1 - sig) * (sig * (1 - sig) + (sig - y) * (1 - 2 * sig)),
        ),
        claim("label $y = 0$", d2sq, 2 * s**2 * (1 - s) * (2 - 3 * s), given={y: 0}),
        claim("label $y = 1$", d2sq, 2 * s * (1 - s) ** 2 * (3 * s - 1), given={y: 1}),
        claim(r"negative where $\sigma(z) > 2/3$", at_pos, 0, rel="<"),
        claim(r"positive where $\sigma(z) < 2/3$: not convex", at_neg, 0, rel=">"),
        claim("cross-entropy through the sigmoid", d2bce, sp.Derivative(sigmoid(z) - y, z)),
        chain("derivative of the sigmoid", s * (1 - s)),
        chain(r"$1 - \sigma(z) = \sigma(-z)$", s * sigmoid(-z), tag="bce_d2z"),
        claim("never negative: convex", s * sigmoid(-z), 0, rel=">="),
        claim(
            r"one exponential, $e^{-|z|} \leq 1$ (cases $z = \pm u$, $u \geq 0$)",
            d2bce,
            sp.exp(-sp.Abs(z)) / (1 + sp.exp(-sp.Abs(z))) ** 2,
            given=({z: u_nonneg}, {z: -u_nonneg}),
            tag="bce_d2z_exp",
            note=(
                "sigma(z) sigma(-z) with one exp instead of two sigmoids; exp(-abs(z)) <= 1 "
                "never overflows and the quotient keeps full relative precision in both tails."
            ),
        ),
    ]
    return Derivation("convexity", "Convexity in the logit", steps, defs=defs)


@functools.cache
def softmax_derivation() -> Derivation:
    r"""Softmax and cross-entropy: Jacobian, gradient ``p - y``, ``X^T (P - Y)``, shift invariance.

    Explicit K = 3 classes.  Tags: ``softmax_jacobian`` (kernel
    ``p_j (delta_jc - p_c)``), ``ce_dz`` (kernel
    ``where(Y > 0, expm1(L) + 1 - Y, exp(L))`` with ``L = log_softmax(Z)``: equal to
    ``softmax(Z) - Y`` for every ``Y >= 0``, and exact for the target class of a
    one-hot row, where ``p - 1`` would cancel), ``ce_loss`` (kernel
    ``rowsum(Y where(Y > 0, -log_softmax(Z), 0))`` for rows ``Y >= 0``: no
    0 * (-inf) when a logit is -inf), ``shift``, ``grad_W``, ``grad_b``.

    Examples
    --------
    >>> softmax_derivation().step("softmax_jacobian").rhs
    p_j*(delta_jc - p_c)
    """
    K = 3
    zs = _syms("z_{}", K)
    ys = _syms("y_{}", K)
    Ps = _syms("p_{}", K)
    c = sp.Symbol("c", real=True)
    m = sp.Symbol("m", real=True)
    sm = [softmax(j + 1, *zs) for j in range(K)]
    # every label pattern of a row with entries >= 0: y_k is 0 or a positive q_k
    qs = [sp.Symbol(f"q_{k + 1}", positive=True) for k in range(K)]
    nonneg_rows = tuple(
        {ys[k]: qs[k] if (mask >> k) & 1 else 0 for k in range(K)} for mask in range(2**K)
    )
    sum_to_one = {ys[-1]: 1 - sp.Add(*ys[:-1])}
    pj = Tex("p_j")
    frac = Tex(r"\frac{e^{z_j}}{\sum_{k=1}^{K} e^{z_k}}")
    shifted = Tex(r"\operatorname{softmax}_j(\mathbf{z} - c)")
    dpdz = Tex(r"\frac{\partial p_j}{\partial z_c}")
    J = Tex("J")
    J_mat = Tex(r"\operatorname{diag}(\mathbf{p}) - \mathbf{p}\mathbf{p}^\top")
    L = Tex("L")
    ce_def = Tex(r"-\sum_{k=1}^{K} y_k \log p_k")
    y_k, p_k = sp.symbols("y_k p_k", real=True)
    dL_dp = Tex(r"\frac{\partial L}{\partial p_k}")
    dL_dz = Tex(r"\frac{\partial L}{\partial z_c}")
    chain_sum = Tex(r"\sum_{j} \frac{\partial L}{\partial p_j}\frac{\partial p_j}{\partial z_c}")
    chain_sub = Tex(r"\sum_{j} \left(-\frac{y_j}{p_j}\right) p_j\left(\delta_{jc} - p_c\right)")
    chain_simpl = Tex(r"-y_c + p_c \sum_{j} y_j")
    p_minus_y = Tex(r"p_c - y_c")
    ce = -sp.Add(*[ys[k] * sp.log(sm[k]) for k in range(K)])
    ce_p = -sp.Add(*[ys[k] * sp.log(Ps[k]) for k in range(K)])
    # dL/dp_j with the probabilities as independent variables, then p = softmax(z)
    dce_dp = [sp.diff(ce_p, Ps[j]).xreplace(dict(zip(Ps, sm, strict=True))) for j in range(K)]
    pvec = sp.ImmutableMatrix(sm)
    defs: dict[Any, Expr] = {
        J: sp.ImmutableMatrix(K, K, lambda j, cc: sp.Derivative(sm[j], zs[cc])),
        J_mat: sp.diag(*sm) - pvec * pvec.T,
        L: ce,
        ce_def: ce,
        dL_dz: _grad(ce, zs),
        chain_sum: sp.ImmutableMatrix(
            [
                sp.Add(*[dce_dp[j] * sp.Derivative(sm[j], zs[cc]) for j in range(K)])
                for cc in range(K)
            ]
        ),
        chain_sub: sp.ImmutableMatrix(
            [
                sp.Add(
                    *[
                        (-ys[j] / sm[j]) * sm[j] * (sp.KroneckerDelta(j, cc) - sm[cc])
                        for j in range(K)
                    ]
                )
                for cc in range(K)
            ]
        ),
        chain_simpl: sp.ImmutableMatrix([-ys[cc] + sm[cc] * sp.Add(*ys) for cc in range(K)]),
        p_minus_y: sp.ImmutableMatrix([sm[cc] - ys[cc] for cc in range(K)]),
    }
    # weight gradient: n = 2 samples, d = 2 features, K = 3 classes
    n, d = 2, 2
    X = _syms("x_{{{}{}}}", n, d)
    W = _syms("w_{{{}{}}}", d, K)
    bs = sp.ImmutableMatrix([_syms("b_{}", K)])
    Yn = _syms("y_{{{}{}}}", n, K)
    Zn = X * W + sp.ones(n, 1) * bs
    Pn = sp.ImmutableMatrix(n, K, lambda i, k: softmax(k + 1, *Zn.row(i)))
    loss = -sp.Add(*[Yn[i, k] * sp.log(Pn[i, k]) for i in range(n) for k in range(K)])
    rows_one_hot = {Yn[i, K - 1]: 1 - sp.Add(*[Yn[i, k] for k in range(K - 1)]) for i in range(n)}
    gW, gWv = Tex(r"\nabla_W L"), Tex(r"X^\top (P - Y)")
    gb, gbv = Tex(r"\nabla_{\mathbf{b}} L"), Tex(r"\mathbf{1}^\top (P - Y)")
    defs.update(
        {
            gW: sp.ImmutableMatrix(d, K, lambda j, k: sp.Derivative(loss, W[j, k])),
            gWv: X.T * (Pn - Yn),
            gb: sp.ImmutableMatrix(1, K, lambda _, k: sp.Derivative(loss, bs[k])),
            gbv: sp.ones(1, n) * (Pn - Yn),
        }
    )
    comps = {Z: zs, Y: ys}
    steps = [
        claim(
            "definition",
            pj,
            frac,
            given=tuple(
                {pj: sm[j], frac: sp.exp(zs[j]) / sp.Add(*map(sp.exp, zs))} for j in range(K)
            ),
        ),
        claim(
            "shift invariance: subtracting any $c$ changes nothing",
            shifted,
            pj,
            given=tuple(
                {shifted: softmax(j + 1, *[v - c for v in zs]), pj: sm[j]} for j in range(K)
            ),
            tag="shift",
        ),
        claim(
            "log-sum-exp with the max-shift $m$",
            logsumexp(*zs),
            m + logsumexp(*[v - m for v in zs]),
            tag="lse_shift",
        ),
        claim(
            "Jacobian",
            dpdz,
            p_j * (delta_jc - p_c),
            given=tuple(
                {
                    dpdz: sp.Derivative(sm[j], zs[cc]),
                    p_j: sm[j],
                    p_c: sm[cc],
                    delta_jc: sp.KroneckerDelta(j, cc),
                }
                for j in range(K)
                for cc in range(K)
            ),
            tag="softmax_jacobian",
        ),
        claim("Jacobian as a matrix", J, J_mat),
        claim("cross-entropy", L, ce_def),
        claim(
            r"in terms of the logits, using $\sum_k y_k = 1$",
            L,
            logsumexp(*zs) - sp.Add(*[ys[k] * zs[k] for k in range(K)]),
            given=sum_to_one,
            tag="ce_logits",
        ),
        claim(
            "derivative with respect to a probability",
            dL_dp,
            -y_k / p_k,
            given=tuple(
                {
                    dL_dp: sp.Derivative(
                        -sp.Add(*[ys[j] * sp.log(Ps[j]) for j in range(K)]), Ps[k]
                    ),
                    y_k: ys[k],
                    p_k: Ps[k],
                }
                for k in range(K)
            ),
            tag="dL_dp",
        ),
        claim("chain rule over $j$", dL_dz, chain_sum),
        chain("Jacobian entries", chain_sub),
        chain("cancel $p_j$", chain_simpl),
        chain(r"one-hot labels: $\sum_j y_j = 1$", p_minus_y, given=sum_to_one),
        chain(
            r"as the kernel computes it, with $p - 1 = \mathrm{expm1}(\log p)$",
            sp.Piecewise(
                # U(1 - Y): 1 - Y first, so that y = 1 adds exactly 0 to expm1(log p)
                (expm1(log_softmax(Z)) + U(1 - Y), Y > 0),
                (sp.exp(log_softmax(Z)), True),
            ),
            components=comps,
            given=nonneg_rows,
            tag="ce_dz",
            note=(
                "softmax(Z) - Y cancels for the target class of a one-hot row when p rounds "
                "to 1 (1.0 - 1 = 0); log_softmax keeps log p accurate and expm1(log p) = p - 1 "
                "keeps it to full relative precision. Valid for every Y >= 0 (rows summing "
                "to 1)."
            ),
        ),
        claim(
            r"loss kernel for rows $Y \geq 0$",
            L,
            rowsum(Y * sp.Piecewise((-log_softmax(Z), Y > 0), (0, True))),
            components=comps,
            given=nonneg_rows,
            tag="ce_loss",
            note=(
                "Skipping the zero labels avoids 0 * (-inf) when another logit is -inf; "
                "log_softmax keeps tiny log-probabilities accurate; negating inside the "
                "sum gives +0.0, not -0.0, for a certain prediction."
            ),
        ),
        claim("weights, $n = 2$ samples", gW, gWv, given=rows_one_hot, tag="grad_W"),
        claim("intercepts", gb, gbv, given=rows_one_hot, tag="grad_b"),
    ]
    return Derivation("softmax", "Softmax regression", steps, defs=defs)


@functools.cache
def linear_regression_derivation() -> Derivation:
    r"""Least squares: gradient :math:`-2X^\top(\mathbf y - X\mathbf w)` and the normal equation.

    Tags: ``sse_loss`` (kernel ``(y - z)**2``), ``sse_dz`` (kernel ``-2 (y - z)``).

    Examples
    --------
    >>> linear_regression_derivation().step("sse_dz").rhs
    -2*(y - z)
    """
    n, d = 3, 2
    X = _syms("x_{{{}{}}}", n, d)
    w = sp.ImmutableMatrix(_syms("w_{}", d))
    v = sp.ImmutableMatrix(_syms("v_{}", d))
    ys = sp.ImmutableMatrix(_syms("y_{}", n))
    r = ys - X * w
    E_sum = sp.Add(*[(ys[i] - (X.row(i) * w)[0, 0]) ** 2 for i in range(n)])
    ell = Tex(r"\ell(y, z)")
    dell = Tex(r"\frac{\partial \ell}{\partial z}")
    E = Tex(r"E(\mathbf{w})")
    norm = Tex(r"\lVert \mathbf{y} - X\mathbf{w} \rVert^2")
    gE = Tex(r"\nabla E(\mathbf{w})")
    idx = Tex(r"-2\sum_{i=1}^{n} \left(y_i - \mathbf{x}_i^\top \mathbf{w}\right) \mathbf{x}_i")
    vec = Tex(r"-2X^\top(\mathbf{y} - X\mathbf{w})")
    normal = Tex(r"X^\top X\mathbf{w} - X^\top\mathbf{y}")
    half = Tex(r"\tfrac{1}{2}\nabla E(\mathbf{w})")
    H = Tex(r"\nabla^2 E")
    H2 = Tex(r"2X^\top X")
    quad = Tex(r"\mathbf{v}^\top \nabla^2 E\, \mathbf{v}")
    sq = Tex(r"2\lVert X\mathbf{v} \rVert^2")
    Xv = X * v
    defs = {
        ell: (y - z) ** 2,
        dell: sp.Derivative((y - z) ** 2, z),
        E: E_sum,
        norm: (r.T * r)[0, 0],
        gE: _grad(E_sum, list(w)),
        idx: sp.ImmutableMatrix(
            [sp.Add(*[-2 * r[i] * X[i, j] for i in range(n)]) for j in range(d)]
        ),
        vec: -2 * X.T * r,
        normal: X.T * X * w - X.T * ys,
        half: _grad(E_sum, list(w)) / 2,
        H: sp.ImmutableMatrix(d, d, lambda j, k: sp.Derivative(E_sum, w[j], w[k])),
        H2: 2 * X.T * X,
        quad: (v.T * sp.hessian(E_sum, list(w)) * v)[0, 0],
        sq: 2 * sp.Add(*[Xv[i] ** 2 for i in range(n)]),
    }
    steps = [
        claim("squared error of one sample with prediction $z$", ell, (y - z) ** 2, tag="sse_loss"),
        claim("its derivative", dell, sp.Mul(-2, y - z, evaluate=False), tag="sse_dz"),
        claim("sum of squared errors (here $n = 3$, two features)", E, norm),
        claim("gradient, index by index", gE, idx),
        chain("as matrix products", vec, tag="grad"),
        claim(
            r"normal equation: $\nabla E = 0 \iff X^\top X\mathbf{w} = X^\top\mathbf{y}$",
            normal,
            half,
        ),
        claim("Hessian", H, H2),
        claim("quadratic form", quad, sq),
        claim("positive semidefinite: the SSE is convex", sq, 0, rel=">="),
    ]
    return Derivation("linear_regression", "Linear regression by least squares", steps, defs=defs)


def _mlp_network(n_out: int, n_hidden: int = 3, n_in: int = 2) -> dict[str, Any]:
    x = _syms("x_{}", n_in)
    W1 = _syms("w^{{(1)}}_{{{}{}}}", n_in, n_hidden)
    b1 = _syms("b^{{(1)}}_{}", n_hidden)
    W2 = _syms("w^{{(2)}}_{{{}{}}}", n_hidden, n_out)
    b2 = _syms("b^{{(2)}}_{}", n_out)
    z1 = [b1[h] + sp.Add(*[x[i] * W1[i, h] for i in range(n_in)]) for h in range(n_hidden)]
    u = _syms("u_{}", n_hidden)  # hidden pre-activations as free variables
    return {"x": x, "W1": W1, "b1": b1, "W2": W2, "b2": b2, "z1": z1, "u": u}


def _mlp_steps(
    net: dict[str, Any],
    loss_of_hidden: Callable[[Sequence[Expr]], Expr],
    delta2: Sequence[Expr],
    delta2_step: Step,
    extra_given: Mapping[Any, Expr],
) -> tuple[list[Step], dict[Any, Expr]]:
    """Shared steps of the one-hidden-layer derivations (sigmoid hidden units)."""
    x, W1, b1, W2, b2, z1, u = (net[k] for k in ("x", "W1", "b1", "W2", "b2", "z1", "u"))
    n_in, n_hidden = W1.shape
    n_out = W2.shape[1]
    loss_u = loss_of_hidden(u)  # loss as a function of the hidden pre-activations
    loss_full = loss_of_hidden(z1)  # ... and of every weight
    a1 = [sigmoid(v) for v in z1]
    au = [sigmoid(v) for v in u]
    # delta2 is given as a function of the hidden pre-activations
    d2_u = [e.xreplace(dict(zip(z1, u, strict=True))) for e in delta2]
    backs_u = [sp.Add(*[W2[h, k] * d2_u[k] for k in range(n_out)]) for h in range(n_hidden)]
    delta1 = [
        sp.Add(*[W2[h, k] * delta2[k] for k in range(n_out)]) * a1[h] * (1 - a1[h])
        for h in range(n_hidden)
    ]
    d1 = Tex(r"\delta^{(1)}_h")
    gW2, gW2v = (
        Tex(r"\frac{\partial L}{\partial W^{(2)}}"),
        Tex(r"\mathbf{a}^{(1)} \boldsymbol{\delta}^{(2)\top}"),
    )
    gb2, gb2v = (
        Tex(r"\frac{\partial L}{\partial \mathbf{b}^{(2)}}"),
        Tex(r"\boldsymbol{\delta}^{(2)}"),
    )
    gW1, gW1v = (
        Tex(r"\frac{\partial L}{\partial W^{(1)}}"),
        Tex(r"\mathbf{x} \boldsymbol{\delta}^{(1)\top}"),
    )
    gb1, gb1v = (
        Tex(r"\frac{\partial L}{\partial \mathbf{b}^{(1)}}"),
        Tex(r"\boldsymbol{\delta}^{(1)}"),
    )
    defs = {
        gW2: sp.ImmutableMatrix(n_hidden, n_out, lambda h, k: sp.Derivative(loss_full, W2[h, k])),
        gW2v: sp.ImmutableMatrix(n_hidden, n_out, lambda h, k: a1[h] * delta2[k]),
        gb2: sp.ImmutableMatrix([sp.Derivative(loss_full, v) for v in b2]),
        gb2v: sp.ImmutableMatrix(delta2),
        gW1: sp.ImmutableMatrix(n_in, n_hidden, lambda i, h: sp.Derivative(loss_full, W1[i, h])),
        gW1v: sp.ImmutableMatrix(n_in, n_hidden, lambda i, h: x[i] * delta1[h]),
        gb1: sp.ImmutableMatrix([sp.Derivative(loss_full, v) for v in b1]),
        gb1v: sp.ImmutableMatrix(delta1),
    }
    steps = [
        delta2_step,
        claim(
            r"hidden deltas: $\delta^{(1)}_h = (W^{(2)}\boldsymbol{\delta}^{(2)})_h\, a_h(1 - a_h)$",
            d1,
            back * a * (1 - a),
            given=tuple(
                {d1: sp.Derivative(loss_u, u[h]), back: backs_u[h], a: au[h], **extra_given}
                for h in range(n_hidden)
            ),
            tag="mlp_delta_hidden",
            note="back = delta_out @ W2.T; a = the hidden activation sigma(z1).",
        ),
        claim(
            "output-layer weights: activations below times delta",
            gW2,
            gW2v,
            given=extra_given,
            tag="grad_W2",
        ),
        claim("output-layer biases", gb2, gb2v, given=extra_given, tag="grad_b2"),
        claim(
            "hidden-layer weights: inputs times delta", gW1, gW1v, given=extra_given, tag="grad_W1"
        ),
        claim("hidden-layer biases", gb1, gb1v, given=extra_given, tag="grad_b1"),
    ]
    return steps, defs


@functools.cache
def mlp_sigmoid_derivation() -> Derivation:
    r"""Backpropagation, one hidden layer: 2 inputs, 3 sigmoid hidden units, sigmoid output, BCE.

    Every weight's gradient is proved equal to SymPy's direct derivative of the
    composed loss.  Tags: ``delta2``, ``mlp_delta_hidden`` (kernel
    ``back*a*(1 - a)``), ``grad_W2``, ``grad_b2``, ``grad_W1``, ``grad_b1``.

    Examples
    --------
    >>> mlp_sigmoid_derivation().step("mlp_delta_hidden").rhs
    a*back*(1 - a)
    """
    net = _mlp_network(1)
    W2, b2 = net["W2"], net["b2"]

    def z2_of(hidden: Sequence[Expr]) -> Expr:
        return b2[0] + sp.Add(*[sigmoid(v) * W2[h, 0] for h, v in enumerate(hidden)])

    def loss_of_hidden(hidden: Sequence[Expr]) -> Expr:
        return _bce_of(sigmoid(z2_of(hidden)), y)

    z2 = sp.Symbol("z^{(2)}", real=True)
    d2 = Tex(r"\frac{\partial L}{\partial z^{(2)}}")
    yhat_minus_y = Tex(r"\hat{y} - y")
    delta2 = [sigmoid(z2_of(net["z1"])) - y]
    step = claim(
        r"output delta $\delta^{(2)}$",
        d2,
        yhat_minus_y,
        tag="delta2",
    )
    steps, defs = _mlp_steps(net, loss_of_hidden, delta2, step, {})
    _define(defs, d2, sp.Derivative(_bce_of(sigmoid(z2), y), z2))
    _define(defs, yhat_minus_y, sigmoid(z2) - y)
    return Derivation(
        "mlp_sigmoid",
        "Backpropagation with a sigmoid output",
        steps,
        defs=defs,
        description="x (2) -> sigmoid hidden layer (3) -> sigmoid output -> binary cross-entropy",
    )


@functools.cache
def mlp_softmax_derivation() -> Derivation:
    r"""Backpropagation, one hidden layer: 2 inputs, 2 sigmoid hidden units, softmax output (K = 3), CE.

    Tags: ``delta2`` (``p - y`` for one-hot y), ``mlp_delta_hidden``,
    ``grad_W2``, ``grad_b2``, ``grad_W1``, ``grad_b1``.

    Examples
    --------
    >>> len(mlp_softmax_derivation())
    6
    """
    K = 3
    net = _mlp_network(K, n_hidden=2)
    W2, b2 = net["W2"], net["b2"]
    ys = _syms("y_{}", K)
    one_hot = {ys[-1]: 1 - sp.Add(*ys[:-1])}

    def z2_of(hidden: Sequence[Expr]) -> list[Expr]:
        return [
            b2[k] + sp.Add(*[sigmoid(v) * W2[h, k] for h, v in enumerate(hidden)]) for k in range(K)
        ]

    def loss_of_hidden(hidden: Sequence[Expr]) -> Expr:
        zz = z2_of(hidden)
        return -sp.Add(*[ys[k] * sp.log(softmax(k + 1, *zz)) for k in range(K)])

    z2s = _syms("z^{{(2)}}_{}", K)
    d2 = Tex(r"\frac{\partial L}{\partial \mathbf{z}^{(2)}}")
    p_minus_y = Tex(r"\mathbf{p} - \mathbf{y}")
    zz = z2_of(net["z1"])
    delta2 = [softmax(k + 1, *zz) - ys[k] for k in range(K)]
    ce2 = -sp.Add(*[ys[k] * sp.log(softmax(k + 1, *z2s)) for k in range(K)])
    step = claim(
        r"output delta $\boldsymbol{\delta}^{(2)}$, one-hot $\mathbf{y}$",
        d2,
        p_minus_y,
        given=one_hot,
        tag="delta2",
    )
    steps, defs = _mlp_steps(net, loss_of_hidden, delta2, step, one_hot)
    _define(defs, d2, _grad(ce2, z2s))
    _define(defs, p_minus_y, sp.ImmutableMatrix([softmax(k + 1, *z2s) - ys[k] for k in range(K)]))
    return Derivation(
        "mlp_softmax",
        "Backpropagation with a softmax output",
        steps,
        defs=defs,
        description="x (2) -> sigmoid hidden layer (2) -> softmax output (3) -> cross-entropy",
    )


@functools.cache
def newton_derivation() -> Derivation:
    r"""Newton's method: the logistic Hessian :math:`X^\top S X`, its PSD-ness, the softmax blocks.

    Tags: ``hessian``, ``psd``, ``softmax_blocks``.

    Examples
    --------
    >>> newton_derivation().step("psd").rel
    '>='
    """
    n, d = 3, 2
    X = _syms("x_{{{}{}}}", n, d)
    w = _syms("w_{}", d)
    v = _syms("v_{}", d)
    ys = _syms("y_{}", n)
    zv = [(X.row(i) * sp.ImmutableMatrix(w))[0, 0] for i in range(n)]
    s = [sigmoid(zi) * (1 - sigmoid(zi)) for zi in zv]
    loss = sp.Add(*[_bce_of(sigmoid(zv[i]), ys[i]) for i in range(n)])
    H = Tex(r"\nabla^2 L")
    XSX = Tex(r"X^\top S X")
    quad = Tex(r"\mathbf{v}^\top \nabla^2 L\, \mathbf{v}")
    sumsq = Tex(r"\sum_{i=1}^{n} s_i \left(\mathbf{x}_i^\top \mathbf{v}\right)^2")
    s_nonneg = [sp.Symbol(f"s_{i + 1}", nonnegative=True) for i in range(n)]
    # the same sum over nonnegative s_i: a distinct symbol that prints the same (^{2})
    sumsq_s = Tex(r"\sum_{i=1}^{n} s_i \left(\mathbf{x}_i^\top \mathbf{v}\right)^{2}")
    Xv = [sp.Add(*[X[i, j] * v[j] for j in range(d)]) for i in range(n)]
    defs: dict[Any, Expr] = {
        H: sp.ImmutableMatrix(d, d, lambda j, k: sp.Derivative(loss, w[j], w[k])),
        XSX: X.T * sp.diag(*s) * X,
        quad: sp.Add(
            *[v[j] * sp.Derivative(loss, w[j], w[k]) * v[k] for j in range(d) for k in range(d)]
        ),
        sumsq: sp.Add(*[s[i] * Xv[i] ** 2 for i in range(n)]),
        sumsq_s: sp.Add(*[s_nonneg[i] * Xv[i] ** 2 for i in range(n)]),
    }
    # softmax: n = 2 samples, d = 2 features, K = 3 classes, no intercept
    ns, K = 2, 3
    Xs = _syms("x_{{{}{}}}", ns, d)
    W = _syms("w_{{{}{}}}", d, K)
    Yn = _syms("y_{{{}{}}}", ns, K)
    Zn = Xs * W
    Pn = sp.ImmutableMatrix(ns, K, lambda i, k: softmax(k + 1, *Zn.row(i)))
    ce = -sp.Add(*[Yn[i, k] * sp.log(Pn[i, k]) for i in range(ns) for k in range(K)])
    rows_one_hot = {Yn[i, K - 1]: 1 - sp.Add(*[Yn[i, k] for k in range(K - 1)]) for i in range(ns)}
    block = Tex(r"H_{jc} = \frac{\partial^2 L}{\partial \mathbf{w}_j \partial \mathbf{w}_c^\top}")
    block_v = Tex(
        r"\sum_{i=1}^{n} p_{ij}\left(\delta_{jc} - p_{ic}\right) \mathbf{x}_i \mathbf{x}_i^\top"
    )
    block_cases = []
    for j in range(K):
        for c in range(K):
            direct = sp.ImmutableMatrix(
                d, d, lambda a_, b_, j=j, c=c: sp.Derivative(ce, W[a_, j], W[b_, c])
            )
            kernel = sp.zeros(d, d)
            for i in range(ns):
                weight = (p_j * (delta_jc - p_c)).xreplace(
                    {p_j: Pn[i, j], p_c: Pn[i, c], delta_jc: sp.KroneckerDelta(j, c)}
                )
                xi = Xs.row(i).T
                kernel += weight * xi * xi.T
            block_cases.append({block: direct, block_v: sp.ImmutableMatrix(kernel), **rows_one_hot})
    steps = [
        claim(
            r"Hessian of the logistic loss, $S = \operatorname{diag}(\sigma(z_i)(1 - \sigma(z_i)))$",
            H,
            XSX,
            tag="hessian",
        ),
        claim("quadratic form", quad, sumsq),
        claim(r"Hessian weights are never negative", sigmoid(z) * (1 - sigmoid(z)), 0, rel=">="),
        claim(
            r"every $s_i \geq 0$, so $\nabla^2 L$ is positive semidefinite",
            sumsq_s,
            0,
            rel=">=",
            tag="psd",
        ),
        claim(
            r"softmax Hessian, block $(j, c)$ for every $j, c$",
            block,
            block_v,
            given=tuple(block_cases),
            tag="softmax_blocks",
        ),
    ]
    return Derivation("newton", "Newton's method: Hessians", steps, defs=defs)


@functools.cache
def finite_difference_derivation() -> Derivation:
    r"""Truncation errors of the forward and central difference quotients (Taylor's theorem).

    For a smooth :math:`f` and a step :math:`h > 0`, the forward difference
    :math:`D_h^{+} f(x) = (f(x + h) - f(x)) / h` is off by
    :math:`h f''(x) / 2 + O(h^2)`; in the central difference
    :math:`D_h^{\pm} f(x) = (f(x + h) - f(x - h)) / (2h)` the even Taylor terms
    cancel and the error is :math:`h^2 f'''(x) / 6 + O(h^4)`.  Steps with an
    :math:`O(h^k)` term are proved with SymPy's ``series``: the difference of the
    two sides, expanded in :math:`h`, has no term below :math:`h^k`.
    Tags: ``taylor``, ``forward``, ``forward_error``, ``central``, ``central_error``.

    Examples
    --------
    >>> d = finite_difference_derivation()
    >>> bool(d.verify())
    True
    >>> print(d.step_latex("central_error"))
    D_h^{\pm} f(x) - f'(x) = \frac{h^{2} f'''(x)}{6} + O\left(h^{4}\right)
    """
    x = sp.Symbol("x", real=True)
    h = sp.Symbol("h", positive=True)
    f = sp.Function("f", real=True)
    derivs = [Tex("f" + "'" * k + "(x)") for k in range(1, 4)]
    d1, d2, d3 = derivs
    fwd, cen = Tex(r"D_h^{+} f(x)"), Tex(r"D_h^{\pm} f(x)")
    fwd_err, cen_err = Tex(r"D_h^{+} f(x) - f'(x)"), Tex(r"D_h^{\pm} f(x) - f'(x)")
    fwd_def = (f(x + h) - f(x)) / h
    cen_def = (f(x + h) - f(x - h)) / (2 * h)
    defs: dict[Any, Expr] = {dk: sp.Derivative(f(x), (x, k)) for k, dk in enumerate(derivs, 1)}
    defs.update(
        {
            fwd: fwd_def,
            cen: cen_def,
            fwd_err: fwd_def - sp.Derivative(f(x), x),
            cen_err: cen_def - sp.Derivative(f(x), x),
        }
    )
    big_o = sp.Order
    steps = [
        claim(
            "Taylor's theorem at $x$",
            f(x + h),
            f(x) + h * d1 + h**2 / 2 * d2 + h**3 / 6 * d3 + big_o(h**4),
            tag="taylor",
        ),
        claim("the forward difference", fwd, fwd_def, tag="forward"),
        claim(
            "insert the Taylor series: $f(x)$ cancels, $h f'(x) / h$ cancels $f'(x)$",
            fwd_err,
            h / 2 * d2 + h**2 / 6 * d3 + big_o(h**3),
        ),
        chain("the error is of order $h$", h / 2 * d2 + big_o(h**2), tag="forward_error"),
        claim("the central difference", cen, cen_def, tag="central"),
        claim(
            "the even terms of $f(x + h)$ and $f(x - h)$ cancel",
            cen_err,
            h**2 / 6 * d3 + big_o(h**4),
            tag="central_error",
        ),
    ]
    return Derivation(
        "finite_difference",
        "Finite differences: truncation error",
        steps,
        defs=defs,
        raw_only=True,
        description="Taylor expansions of the forward and central difference quotients.",
    )


DERIVATIONS: dict[str, Callable[[], Derivation]] = {
    "opaque_functions": opaque_functions_derivation,
    "sigmoid": sigmoid_derivation,
    "tanh": tanh_derivation,
    "bernoulli_nll": bernoulli_nll_derivation,
    "bce": bce_derivation,
    "convexity": convexity_derivation,
    "softmax": softmax_derivation,
    "linear_regression": linear_regression_derivation,
    "mlp_sigmoid": mlp_sigmoid_derivation,
    "mlp_softmax": mlp_softmax_derivation,
    "newton": newton_derivation,
    "finite_difference": finite_difference_derivation,
}
"""Derivation name -> factory (each factory returns the same cached object)."""


def get_derivation(name: str) -> Derivation:
    """The derivation called ``name`` (a key of :data:`DERIVATIONS`).

    Examples
    --------
    >>> get_derivation("bce").title
    'Binary cross-entropy and its gradient'
    """
    try:
        return DERIVATIONS[name]()
    except KeyError:
        raise KeyError(
            f"unknown derivation {name!r}; choose one of {sorted(DERIVATIONS)}"
        ) from None


def all_derivations() -> list[Derivation]:
    """Every derivation, in the book's order.

    Examples
    --------
    >>> [d.name for d in all_derivations()][:3]
    ['opaque_functions', 'sigmoid', 'tanh']
    """
    return [factory() for factory in DERIVATIONS.values()]


# ---------------------------------------------------------------------------
# Kernels
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
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
        comps = {s: _syms(f"{s.name.lower()}_{{}}", n_classes) for s in self.args}
        flat = tuple(v for s in self.args for v in comps[s])
        return flat, raw(expand_components(self.expr, comps))


_Y_ROWS = (
    "Y",
    "array of shape (n, K)\n        One-hot labels, or probability rows (entries >= 0 summing to 1).",
)
_Z_ROWS = ("Z", "array of shape (n, K)\n        Logits.")
_Z_ANY = ("z", "array-like\n        Logits (broadcast against ``y``).")

KERNELS: dict[str, Kernel] = {
    k.name: k
    for k in (
        Kernel(
            "bce_loss",
            "bce",
            "bce_loss",
            (y, z),
            "Per-sample binary cross-entropy from logits, for labels y in {0, 1}.",
            (("y", "array-like\n        Labels, 0 or 1."), _Z_ANY),
            "ndarray\n        ``-y log sigma(z) - (1 - y) log sigma(-z)``; 0 at z = +inf, y = 1.",
            ([0.0, 1.0, 1.0], [0.0, 0.0, 800.0]),
        ),
        Kernel(
            "bce_dz",
            "bce",
            "bce_dz",
            (y, z),
            "Gradient of the binary cross-entropy with respect to the logit, sigma(z) - y.",
            (("y", "array-like\n        Labels, 0 or 1."), _Z_ANY),
            "ndarray\n        ``sigma(z) - y``, written so that both tails are exact.",
            ([0.0, 1.0], [0.0, 0.0]),
        ),
        Kernel(
            "bce_loss_dz",
            "bce",
            ("bce_loss_elementary", "bce_dz_elementary"),
            (y, z),
            "Binary cross-entropy and its logit gradient in one pass, for labels y in {0, 1}.",
            (("y", "array-like\n        Labels, 0 or 1."), _Z_ANY),
            "tuple of ndarray\n        ``(bce_loss(y, z), bce_dz(y, z))``, equal to the separate "
            "kernels;\n        ``exp(-|t|)`` with ``t = (1 - 2y) z`` is computed once.",
            ([0.0, 1.0, 1.0], [0.0, 0.0, 800.0]),
        ),
        Kernel(
            "bce_d2z",
            "convexity",
            "bce_d2z_exp",
            (z,),
            "Second derivative of the binary cross-entropy in the logit (Newton/IRLS weight).",
            (("z", "array-like\n        Logits."),),
            "ndarray\n        ``sigma(z) sigma(-z) = sigma(z)(1 - sigma(z))``, never negative.",
            ([0.0, 1000.0],),
        ),
        Kernel(
            "ce_loss",
            "softmax",
            "ce_loss",
            (Y, Z),
            "Per-row softmax cross-entropy from logits, for one-hot rows.",
            (_Y_ROWS, _Z_ROWS),
            "ndarray of shape (n,)\n        ``-sum(Y * log_softmax(Z))``; ``logsumexp(Z) - sum(Y * Z)``.",
            ([[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]]),
            vector=True,
        ),
        Kernel(
            "ce_dz",
            "softmax",
            "ce_dz",
            (Y, Z),
            "Gradient of the softmax cross-entropy with respect to the logits.",
            (_Y_ROWS, _Z_ROWS),
            "ndarray of shape (n, K)\n        ``softmax(Z) - Y``.",
            ([[1.0, 0.0]], [[0.0, 0.0]]),
            vector=True,
        ),
        Kernel(
            "ce_loss_dz",
            "softmax",
            ("ce_loss", "ce_dz"),
            (Y, Z),
            "Softmax cross-entropy and its logit gradient in one pass.",
            (_Y_ROWS, _Z_ROWS),
            "tuple of ndarray\n        ``(ce_loss(Y, Z), ce_dz(Y, Z))``, equal to the separate "
            "kernels;\n        ``log_softmax(Z)`` is computed once.",
            ([[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]]),
            vector=True,
        ),
        Kernel(
            "softmax_jacobian",
            "softmax",
            "softmax_jacobian",
            (p_j, p_c, delta_jc),
            "Softmax Jacobian entries dp_j/dz_c = p_j (delta_jc - p_c) (broadcasts to blocks).",
            (
                ("p_j", "array-like\n        Probabilities p_j."),
                ("p_c", "array-like\n        Probabilities p_c."),
                ("delta_jc", "array-like\n        Kronecker delta (1 where j == c, else 0)."),
            ),
            "ndarray\n        ``p_j * (delta_jc - p_c)``.",
            ([0.5, 0.5], [0.5, 0.5], [1.0, 0.0]),
        ),
        Kernel(
            "sse_loss",
            "linear_regression",
            "sse_loss",
            (y, z),
            "Per-sample squared error (y - z)**2.",
            (("y", "array-like\n        Targets."), ("z", "array-like\n        Predictions.")),
            "ndarray",
            ([1.0, 2.0], [0.0, 4.0]),
        ),
        Kernel(
            "sse_dz",
            "linear_regression",
            "sse_dz",
            (y, z),
            "Derivative of the squared error with respect to the prediction, -2 (y - z).",
            (("y", "array-like\n        Targets."), ("z", "array-like\n        Predictions.")),
            "ndarray",
            ([1.0, 2.0], [0.0, 4.0]),
        ),
        Kernel(
            "sigmoid_dz_from_output",
            "sigmoid",
            "sigmoid_dz_from_output",
            (a,),
            "Derivative of the sigmoid written with its output a = sigma(z): a (1 - a).",
            (("a", "array-like\n        Sigmoid activations."),),
            "ndarray",
            ([0.5, 1.0],),
        ),
        Kernel(
            "tanh_dz_from_output",
            "tanh",
            "tanh_dz_from_output",
            (a,),
            "Derivative of tanh written with its output a = tanh(z): 1 - a**2.",
            (("a", "array-like\n        tanh activations."),),
            "ndarray",
            ([0.0, 0.5],),
        ),
        Kernel(
            "mlp_delta_hidden",
            "mlp_sigmoid",
            "mlp_delta_hidden",
            (back, a),
            "Hidden-layer delta of a sigmoid layer: back * a * (1 - a).",
            (
                ("back", "array of shape (n, h)\n        ``delta_out @ W2.T``."),
                ("a", "array of shape (n, h)\n        Hidden sigmoid activations."),
            ),
            "ndarray of shape (n, h)",
            ([[1.0, -2.0]], [[0.5, 0.5]]),
        ),
    )
}
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
