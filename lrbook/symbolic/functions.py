"""Opaque SymPy functions of the book (sigmoid, softplus, log-sum-exp, softmax...) and their rewrites.

Each opaque function's ``fdiff`` gives its derivative in terms of opaque functions
again, and ``rewrite(exp)`` (see :func:`raw`) gives the textbook exponential form.
:func:`expand_components` turns the vector forms used by the kernels (``logsumexp(Z)``,
``softmax(Z)``, ``rowsum(E)``, ``shifted(Z)``, ``rest(E)``) into explicit components.  :class:`Tex` and
:class:`CodeSymbol` are the two kinds of display symbols.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sympy as sp
from sympy.codegen import cfunctions as _cfunctions
from sympy.core.function import ArgumentIndexError
from sympy.core.logic import fuzzy_and

__all__ = [
    "CodeSymbol",
    "Expr",
    "Tex",
    "expand_components",
    "expm1",
    "log1p",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "raw",
    "rest",
    "rowsum",
    "shifted",
    "sigmoid",
    "softmax",
    "softplus",
]

Expr = Any  # sympy is untyped: an Expr, a Matrix or a Relational


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


class shifted(_Opaque):
    r"""Vector-form logits minus their row maximum, ``shifted(Z)``, used by kernels only.

    :func:`expand_components` turns component ``k`` into ``z_k - Max(z_1, ..., z_K)``.
    After the shift the largest entry of each row is exactly 0, so ``exp(shifted(Z))``
    never overflows and its largest entry is exactly 1 (see ``rest``).  Printed
    :math:`\tilde{Z}`.

    Examples
    --------
    >>> import sympy as sp
    >>> Z = sp.Symbol("Z")
    >>> sp.latex(sp.exp(shifted(Z)))
    'e^{\\tilde{Z}}'
    """

    nargs = 1

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        return _with_power(rf"\tilde{{{printer._print(self.args[0])}}}", exp)


class rest(_Opaque):
    r"""Vector-form ``rest(E) = rowsum(E) - 1`` for rows whose largest entry is 1; kernels only.

    The primitive sums the entries of each row other than its largest one (exactly 1
    for ``E = exp(shifted(Z))``), so ``rest`` keeps full relative precision when it is
    tiny, where ``rowsum(E) - 1`` would round it away.  A reduction over the last
    axis that keeps it (shape ``(n, 1)``): it broadcasts against the rows.

    Examples
    --------
    >>> import sympy as sp
    >>> E = sp.Symbol("E")
    >>> expand_components(rest(E), {E: sp.symbols("e1 e2")})
    e1 + e2 - 1
    >>> sp.latex(rest(E))
    '\\operatorname{rest}\\left(E\\right)'
    """

    nargs = 1

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        arg = printer._print(self.args[0])
        return _with_power(rf"\operatorname{{rest}}\left({arg}\right)", exp)


class expm1(_cfunctions.expm1):
    r"""``expm1(x) = e^x - 1``, printed as :func:`numpy.expm1` (accurate when the result is tiny).

    SymPy's own ``expm1`` (from :mod:`sympy.codegen.cfunctions`), with book
    notation.  It gives ``p - 1 = expm1(log p)`` to full precision: ``log p`` is
    accurate even when ``p`` rounds to 1, and ``expm1`` keeps it that way,
    where ``exp(log p) - 1`` would give 0.  (The cross-entropy kernels avoid the
    second exponential altogether: see ``rest``.)

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


_REDUCTIONS = (logsumexp, rowsum, rest)


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

    The groupings a kernel keeps for its rounding (``UnevaluatedExpr``) are dropped:
    the raw form is for proofs and high-precision reference values.

    >>> raw(sp.UnevaluatedExpr(sigmoid(z) - 1) + 1)
    1/(1 + exp(-z))
    """
    return _map(expr, lambda e: _ungrouped(e).rewrite(sp.exp))


def _ungrouped(e: Expr) -> Expr:
    if not e.has(sp.UnevaluatedExpr):
        return e
    return e.replace(lambda x: isinstance(x, sp.UnevaluatedExpr), lambda x: x.args[0])


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


class CodeSymbol(sp.Symbol):
    r"""A symbol with two names: its SymPy name for code, and the LaTeX the book shows.

    For kernel arguments whose code name reads badly as maths: ``back`` (an
    argument of a generated kernel) would print as :math:`back`, a product of four
    letters.  Generated code and ``str`` use the SymPy name; LaTeX uses ``tex``.
    Two code symbols with the same name and assumptions are the same symbol.

    Parameters
    ----------
    name : str
        Name in code (a Python identifier).
    tex : str
        LaTeX printed for the symbol.
    **assumptions
        SymPy assumptions (``real=True``...).

    Examples
    --------
    >>> import sympy as sp
    >>> back = CodeSymbol("back", r"(W \delta)_h", real=True)
    >>> str(2 * back), sp.latex(2 * back)
    ('2*back', '2 (W \\delta)_h')
    """

    tex: str

    def __new__(cls, name: str, tex: str, **assumptions: Any) -> CodeSymbol:
        obj = super().__new__(cls, name, **assumptions)
        obj.tex = tex
        return obj

    @classmethod
    def class_key(cls) -> tuple[int, int, str]:
        # sort (and so print) exactly like a plain Symbol of the same name
        return sp.Symbol.class_key()

    def __getnewargs_ex__(self) -> tuple[tuple[str, str], dict[str, Any]]:
        return (self.name, self.tex), self.assumptions0

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        return self.tex if exp is None else rf"\left({self.tex}\right)^{{{exp}}}"


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
    ``rowsum(E)`` becomes the sum of ``E``'s components, ``rest(E)`` that sum minus 1
    and ``shifted(Z)`` component ``k`` becomes ``z_k - Max(z_1, ..., z_K)``.

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
        if isinstance(e, rest):
            return sp.Add(*[comp(e.args[0], i) for i in range(k_count)]) - 1
        if isinstance(e, shifted):
            if k is None:
                raise ValueError("shifted(Z) used outside a reduction in a reduced expression")
            zs = [comp(e.args[0], i) for i in range(k_count)]
            return zs[k] - sp.Max(*zs)
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
