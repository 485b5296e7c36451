r"""General forms: the mathematics the book displays, tied to the instance SymPy proves.

A matrix identity such as :math:`\nabla_{\mathbf w} J = \tfrac1n X^\top(\hat{\mathbf y} -
\mathbf y)` is proved on a small explicit instance (three samples, two features: every
entry a symbol), because SymPy proves identities between explicit expressions.  The reader
should see the general statement, for any :math:`n` and :math:`d`.  A :class:`General`
holds that statement as a SymPy expression in general symbols - sums over indices
(:class:`sympy.Sum` of :class:`sympy.Indexed`), matrix symbols of shape ``(n, d)`` and
:class:`Apply` for a function applied element-wise - together with the instance sizes and
arrays.  :func:`instantiate` substitutes the sizes, expands the sums and matrix products
and replaces every indexed entry by the instance's symbol; :meth:`Derivation.verify
<lrbook.symbolic.core.Derivation.verify>` proves that the result equals the step it
displays, so the general display and the proved instance cannot drift apart.

Term order: SymPy sorts the terms of a sum; a general form built with :func:`terms`
(an unevaluated sum) is printed in the order written, as a textbook writes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixExpr
from sympy.printing.latex import LatexPrinter

from lrbook.symbolic.functions import Expr, Tex

__all__ = [
    "Apply",
    "General",
    "general_latex",
    "instantiate",
    "product",
    "size_symbols",
    "terms",
    "textbook_latex",
]


def terms(*args: Expr) -> Expr:
    """A sum printed in the order its terms are given (``terms(1, -y)`` shows ``1 - y``)."""
    return sp.Add(*args, evaluate=False)


def product(*args: Expr) -> Expr:
    """A product printed in the order its factors are given (``1/n`` stays a factor)."""
    return sp.Mul(
        *(sp.UnevaluatedExpr(a) if _is_reciprocal(a) else a for a in args), evaluate=False
    )


def _is_reciprocal(expr: Any) -> bool:
    expr = sp.sympify(expr)
    return bool(
        (expr.is_Pow and expr.exp == -1) or (expr.is_Rational and expr.p == 1 and expr.q != 1)
    )


class Apply(MatrixExpr):
    r"""A scalar function applied to every entry of a matrix expression: :math:`\sigma(Xw)`.

    Examples
    --------
    >>> import sympy as sp
    >>> from lrbook.symbolic import sigmoid
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> z = sp.MatrixSymbol("z", n, 1)
    >>> general_latex(Apply(sigmoid, z))
    '\\sigma\\left(z\\right)'
    >>> sp.Matrix(Apply(sigmoid, z).subs(n, 2).as_explicit())
    Matrix([
    [sigmoid(z[0, 0])],
    [sigmoid(z[1, 0])]])
    """

    def __new__(cls, function: Any, arg: Any) -> Apply:
        if not isinstance(function, sp.Lambda):
            dummy = sp.Dummy("t")
            function = sp.Lambda(dummy, function(dummy))
        arg = sp.sympify(arg)
        obj: Apply = MatrixExpr.__new__(cls, function, arg)
        return obj

    @property
    def function(self) -> Any:
        return self.args[0]

    @property
    def arg(self) -> Any:
        return self.args[1]

    @property
    def shape(self) -> tuple[Expr, Expr]:
        return self.arg.shape

    def _entry(self, i: Any, j: Any, **kwargs: Any) -> Expr:
        return self.function(self.arg._entry(i, j, **kwargs))

    def doit(self, **hints: Any) -> Any:
        arg = self.arg.doit(**hints) if hints.get("deep", True) else self.arg
        if isinstance(arg, sp.MatrixBase):
            return sp.ImmutableMatrix(arg.applyfunc(self.function))
        return Apply(self.function, arg)

    def _latex(self, printer: Any) -> str:
        name = printer._print(self.function(sp.Symbol("_"))).split(r"\left(")[0]
        return rf"{name}\left({printer._print(self.arg)}\right)"


class TextbookPrinter(LatexPrinter):
    """LaTeX with the terms of a sum in a textbook's order.

    Positive terms before negative ones, numbers first among them, otherwise SymPy's
    lexicographic order: ``1 + e^{-z}``, ``y - z``, ``\\sigma(z) - y``,
    ``-y_1 z_1 - y_2 z_2``.
    """

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        super().__init__({"mat_delim": "(", "mat_str": "matrix", **(settings or {})})

    def _as_ordered_terms(self, expr: Any, order: str | None = None) -> list[Any]:
        if self._settings.get("order") == "none":
            return list(expr.args)
        rank = {t: k for k, t in enumerate(expr.as_ordered_terms(order="lex"))}
        return sorted(
            expr.args,
            key=lambda t: (t.could_extract_minus_sign(), not t.is_number, rank.get(t, 0)),
        )


def textbook_latex(expr: Expr) -> str:
    """LaTeX of an expression with the terms of each sum in textbook order."""
    return str(TextbookPrinter().doprint(expr))


class _GeneralPrinter(TextbookPrinter):
    """LaTeX in the order written, ``x_{ij}`` for indexed entries."""

    def _print_Indexed(self, expr: Any) -> str:
        base = self._print(expr.base.label)
        index = "".join(self._print(i) for i in expr.indices)
        return f"{base}_{{{index}}}"

    def _print_log(self, expr: Any, exp: str | None = None) -> str:
        arg = expr.args[0]
        simple = isinstance(arg, sp.Symbol | sp.Indexed)
        body = rf"\log {self._print(arg)}" if simple else rf"\log\left({self._print(arg)}\right)"
        return body if exp is None else rf"\left({body}\right)^{{{exp}}}"

    def _print_OneMatrix(self, expr: Any) -> str:
        return r"\mathbf{1}"

    def _print_Transpose(self, expr: Any) -> str:
        arg = self._print(expr.arg)
        if not isinstance(expr.arg, sp.MatrixSymbol):
            arg = rf"\left({arg}\right)"
        return arg + r"^\top"

    def _print_MatAdd(self, expr: Any) -> str:
        out = self._print(expr.args[0])
        for term in expr.args[1:]:
            text = self._print(term)
            out += f" - {text[1:].lstrip()}" if text.startswith("-") else f" + {text}"
        return out


def general_latex(expr: Expr) -> str:
    """LaTeX of a general form: terms in the order written, entries as ``x_{ij}``."""
    printer = _GeneralPrinter({"order": "none"})
    return str(printer.doprint(expr))


def instantiate(
    expr: Expr, sizes: Mapping[Any, int], arrays: Mapping[Any, Any] | None = None
) -> Expr:
    """The general form at the instance: sizes substituted, sums and products expanded.

    Parameters
    ----------
    expr : sympy expression or matrix expression
        A general form.
    sizes : mapping
        Size symbol -> integer (``{n: 3, d: 2}``).
    arrays : mapping, optional
        :class:`sympy.IndexedBase` -> the instance's entries, indexed from 1 in the
        general form and from 0 in the value (a list or a Matrix), and
        :class:`sympy.MatrixSymbol` -> an explicit matrix.

    Examples
    --------
    >>> import sympy as sp
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> i = sp.Symbol("i", integer=True)
    >>> x = sp.IndexedBase("x")
    >>> x1, x2 = sp.symbols("x1 x2")
    >>> instantiate(sp.Sum(x[i] ** 2, (i, 1, n)), {n: 2}, {x: [x1, x2]})
    x1**2 + x2**2
    """
    arrays = dict(arrays or {})
    matrices = {
        sym.subs(sizes): sp.ImmutableMatrix(value)
        for sym, value in arrays.items()
        if isinstance(sym, sp.MatrixSymbol)
    }
    out = expr.subs(dict(sizes))
    if matrices:
        out = out.xreplace(matrices)
    out = out.doit()
    if isinstance(out, MatrixExpr) and not isinstance(out, sp.MatrixBase):
        out = sp.ImmutableMatrix(out.as_explicit()).doit()
    indexed = {base: v for base, v in arrays.items() if isinstance(base, sp.IndexedBase)}

    def entry(e: Any) -> Any:
        values = indexed[e.base]
        index = [int(k) - 1 for k in e.indices]
        if isinstance(values, sp.MatrixBase):
            return values[index[0], index[1] if len(index) > 1 else 0]
        value = values
        for k in index:
            value = value[k]
        return value

    def replace(e: Any) -> Any:
        return e.replace(lambda a: isinstance(a, sp.Indexed) and a.base in indexed, entry)

    if isinstance(out, sp.MatrixBase):
        out = sp.ImmutableMatrix(out.applyfunc(replace))
        return out[0, 0] if out.shape == (1, 1) else out  # a 1 x 1 product is a number
    return replace(out)


@dataclass(frozen=True)
class General:
    r"""A quantity displayed in general symbols and proved at a small instance.

    Used as the value of a :class:`~lrbook.symbolic.core.Derivation` definition:
    ``defs={g.symbol: g}``.  The derivation displays ``g.symbol``, printed from
    :attr:`expr` by :func:`general_latex` (never typed), and proves its steps with
    :meth:`instance` in its place, so a wrong general form fails the proof.

    Parameters
    ----------
    expr : sympy expression
        The general form: sums over indices, matrix symbols, :class:`Apply`.
    sizes : mapping
        Size symbol -> the instance's value (``{n: 3, d: 2}``).
    arrays : mapping
        General array symbol -> the instance's entries (see :func:`instantiate`).
    entry : tuple, optional
        ``(j, d)`` when :attr:`expr` is the entry ``j`` of a vector of length ``d``
        (a free index): the instance is the column of entries ``j = 1 ... d``.

    Examples
    --------
    >>> import sympy as sp
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> i = sp.Symbol("i", integer=True)
    >>> y = sp.IndexedBase("y")
    >>> g = General(sp.Sum(y[i], (i, 1, n)) / n, {n: 2}, {y: sp.symbols("y1 y2")})
    >>> sp.latex(g.symbol)
    '\\frac{\\sum_{i=1}^{n} y_{i}}{n}'
    >>> g.instance()
    y1/2 + y2/2
    >>> g.describe_sizes()
    'n = 2'
    """

    expr: Expr
    sizes: Mapping[Any, int] = field(default_factory=dict)
    arrays: Mapping[Any, Any] = field(default_factory=dict)
    entry: tuple[Any, Any] | None = None

    @property
    def symbol(self) -> Tex:
        """The display symbol: a :class:`Tex` printed from the general form."""
        return Tex(general_latex(self.expr))

    def instance(self) -> Expr:
        """The general form at the instance sizes and arrays."""
        if self.entry is None:
            return instantiate(self.expr, self.sizes, self.arrays)
        index, length = self.entry
        size = int(sp.sympify(length).subs(self.sizes))
        return sp.ImmutableMatrix(
            [
                instantiate(self.expr.subs(index, k), self.sizes, self.arrays)
                for k in range(1, size + 1)
            ]
        )

    def describe_sizes(self) -> str:
        """``"n = 3, d = 2"``: the instance, for the "how this was verified" note."""
        return ", ".join(f"{sp.latex(k)} = {v}" for k, v in self.sizes.items())


def size_symbols(names: str) -> tuple[Any, ...]:
    """Positive integer symbols for sizes: ``n, d, K = size_symbols("n d K")``."""
    return tuple(sp.symbols(names, integer=True, positive=True, seq=True))
