"""Hessians: Newton's method (logistic and softmax) and the Fisher information of the logistic model.

Both derivations differentiate the summed negative log-likelihood of the same small
logistic sample (:func:`_logistic_sample`: n = 3 samples, d = 2 features, the
intercept being a column of ones in X).  The softmax blocks of Newton's method
(``_softmax_block_steps``) differentiate the mean cross-entropy of n = 2 samples,
d = 2 features, K = 3 classes.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.core.symbol import Str
from sympy.matrices.expressions.matexpr import MatrixExpr

from lrbook.symbolic.core import Derivation, Step, chain, claim
from lrbook.symbolic.derivations._symbols import bce_of, syms, z
from lrbook.symbolic.functions import (
    Expr,
    Tex,
    sigmoid,
    softmax,
)
from lrbook.symbolic.general import (
    General,
    general_latex,
    instantiate,
    product,
    size_symbols,
    terms,
)

__all__ = ["fisher_information_derivation", "newton_derivation"]


def _logistic_sample(n: int = 3, d: int = 2) -> dict[str, Any]:
    """Explicit logistic model: X (n x d), weights w, labels y, and the summed cross-entropy.

    Also: the logits ``z`` (list), the Hessian weights ``s_i = sigma(z_i)(1 - sigma(z_i))``,
    a direction ``v`` and the products ``x_i^T v`` for the quadratic forms.
    """
    X = syms("x_{{{}{}}}", n, d)
    w = syms("w_{}", d)
    v = syms("v_{}", d)
    ys = syms("y_{}", n)
    zv = [(X.row(i) * sp.ImmutableMatrix(w))[0, 0] for i in range(n)]
    return {
        "X": X,
        "w": w,
        "v": v,
        "y": ys,
        "z": zv,
        "s": [sigmoid(zi) * (1 - sigmoid(zi)) for zi in zv],
        "loss": sp.Add(*[bce_of(sigmoid(zv[i]), ys[i]) for i in range(n)]),
        "Xv": [sp.Add(*[X[i, j] * v[j] for j in range(d)]) for i in range(n)],
    }


def _hessian(loss: Expr, w: list[Any]) -> Any:
    """Matrix of unevaluated second derivatives of ``loss`` in ``w`` (evaluated by the prover)."""
    return sp.ImmutableMatrix(len(w), len(w), lambda j, k: sp.Derivative(loss, w[j], w[k]))


def _inverse(m: Any) -> Any:
    """Inverse as adjugate over determinant, unsimplified (``Matrix.inv`` simplifies: slow)."""
    return sp.ImmutableMatrix(m.adjugate(method="berkowitz") / m.det(method="berkowitz"))


def _general_sizes(sample: dict[str, Any]) -> tuple[Any, Any, dict[Any, int]]:
    """The size symbols n, d and their values in ``sample`` (for :class:`General`)."""
    n_, d_ = size_symbols("n d")
    X = sample["X"]
    return n_, d_, {n_: X.rows, d_: X.cols}


def _hessian_general(sample: dict[str, Any]) -> General:
    r""":math:`X^\top S X` in general symbols (X is n x d, S the n x n diagonal of the s_i)."""
    n_, d_, sizes = _general_sizes(sample)
    Xg, Sg = sp.MatrixSymbol("X", n_, d_), sp.MatrixSymbol("S", n_, n_)
    arrays = {Xg: sample["X"], Sg: sp.diag(*sample["s"])}
    return General(sp.MatMul(Xg.T, Sg, Xg, evaluate=False), sizes, arrays)


def _psd_steps(
    sample: dict[str, Any], quad: Any, quad_value: Expr, *, weights_label: str, psd_label: str
) -> tuple[list[Step], dict[Any, Any]]:
    r"""Steps "quadratic form = sum_i s_i (sum_j x_ij v_j)^2", "s_i >= 0", "so it is >= 0".

    ``quad`` displays ``v^T M v`` for the matrix ``M`` at hand and ``quad_value`` defines it.
    The sum is a :class:`General` (any n and d, proved at the sample's sizes); the last step
    (tag ``psd``) proves the same displayed sum non-negative with every :math:`s_i` replaced
    by a non-negative symbol, which is what "every weight is >= 0" licenses.
    """
    n_, d_, sizes = _general_sizes(sample)
    i, j = sp.symbols("i j", integer=True)
    x, v, s_ = sp.IndexedBase("x"), sp.IndexedBase("v"), sp.IndexedBase("s")
    inner = sp.Sum(product(x[i, j], v[j]), (j, 1, d_))  # x_i^T v
    expr = sp.Sum(product(s_[i], inner**2), (i, 1, n_))
    arrays = {x: sample["X"], v: list(sample["v"])}
    shown = General(expr, sizes, {**arrays, s_: list(sample["s"])})
    s_nonneg = [sp.Symbol(f"s_{k + 1}", nonnegative=True) for k in range(len(sample["s"]))]
    nonneg = General(expr, sizes, {**arrays, s_: s_nonneg})
    defs: dict[Any, Any] = {quad: quad_value, shown.symbol: shown}
    steps = [
        claim("quadratic form", quad, shown.symbol),
        claim(weights_label, product(sigmoid(z), terms(1, -sigmoid(z))), 0, rel=">="),
        claim(
            psd_label,
            shown.symbol,
            0,
            rel=">=",
            given={shown.symbol: nonneg.instance()},
            tag="psd",
        ),
    ]
    return steps, defs


class _Sample(MatrixExpr):
    r"""Sample ``i`` of ``X`` as a column, :math:`\mathbf{x}_i` (row ``i`` of X, counted from 1).

    ``transposed`` gives the row :math:`\mathbf{x}_i^\top`.  A general form may sum over
    ``i`` (``\sum_i p_i \mathbf{x}_i \mathbf{x}_i^\top``); at the instance (X explicit,
    ``i`` a number) it is that row of X.
    """

    def __new__(cls, X: Any, i: Any, transposed: bool = False) -> _Sample:
        obj: _Sample = MatrixExpr.__new__(cls, X, sp.sympify(i), sp.Integer(int(transposed)))
        return obj

    @property
    def shape(self) -> tuple[Any, Any]:
        X, _, transposed = self.args
        return (sp.Integer(1), X.shape[1]) if transposed else (X.shape[1], sp.Integer(1))

    @property
    def free_symbols(self) -> set[Any]:  # the sizes of X too, so that Sum.subs reaches them
        X, i, _ = self.args
        return set(X.free_symbols).union(
            *(sp.sympify(k).free_symbols for k in X.shape), i.free_symbols
        )

    def _entry(self, a: Any, b: Any, **kwargs: Any) -> Expr:
        X, i, transposed = self.args
        return X[i - 1, b if transposed else a]

    def _eval_transpose(self) -> _Sample:
        X, i, transposed = self.args
        return _Sample(X, i, not transposed)

    def doit(self, **hints: Any) -> Any:
        X, i, transposed = self.args
        if isinstance(X, sp.MatrixBase) and i.is_Integer:
            row = sp.ImmutableMatrix(X.row(int(i) - 1))
            return row if transposed else row.T
        return self

    def _latex(self, printer: Any) -> str:
        _, i, transposed = self.args
        return rf"\mathbf{{x}}_{{{printer._print(i)}}}" + (r"^\top" if transposed else "")


class _Diagonal(MatrixExpr):
    r"""The ``n x n`` diagonal matrix of ``weight`` (an expression in ``i``), shown by ``name``.

    At the instance (``n`` a number) it is ``diag(weight at i = 1, ..., n)``.
    """

    def __new__(cls, name: Any, weight: Any, i: Any, n: Any) -> _Diagonal:
        name = name if isinstance(name, Str) else Str(name)
        obj: _Diagonal = MatrixExpr.__new__(cls, name, sp.sympify(weight), i, sp.sympify(n))
        return obj

    @property
    def shape(self) -> tuple[Any, Any]:
        return (self.args[3], self.args[3])

    @property
    def free_symbols(self) -> set[Any]:
        _, weight, i, n = self.args
        return (weight.free_symbols - {i}) | n.free_symbols

    def _entry(self, a: Any, b: Any, **kwargs: Any) -> Expr:
        _, weight, i, _ = self.args
        return sp.KroneckerDelta(a, b) * weight.subs(i, a + 1)

    def doit(self, **hints: Any) -> Any:
        _, weight, i, n = self.args
        if n.is_Integer:
            return sp.ImmutableMatrix(sp.diag(*[weight.subs(i, k) for k in range(1, int(n) + 1)]))
        return self

    def _latex(self, printer: Any) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class _BlockGeneral(General):
    r"""A :class:`General` for block ``(j, c)`` of a matrix of blocks (two free indices).

    ``blocks = ((j, K), (c, K))``: the instance is the whole matrix, block ``(j, c)``
    (:attr:`expr` with ``j, c`` substituted) for ``j, c = 1 ... K``.  Displayed and
    proved like any :class:`General`: a wrong block, even one, fails the proof.
    """

    blocks: tuple[tuple[Any, Any], tuple[Any, Any]] | None = None

    def instance(self) -> Expr:
        if self.blocks is None:
            return super().instance()
        (j, rows), (c, cols) = self.blocks
        n_rows, n_cols = (int(sp.sympify(m).subs(self.sizes)) for m in (rows, cols))

        def block(a: int, b: int) -> Any:
            value = instantiate(self.expr.subs({j: a, c: b}), self.sizes, self.arrays)
            return value if isinstance(value, sp.MatrixBase) else sp.ImmutableMatrix([[value]])

        grid = [[block(a, b) for b in range(1, n_cols + 1)] for a in range(1, n_rows + 1)]
        return sp.ImmutableMatrix(sp.BlockMatrix(grid).as_explicit())


def _sum_as_written(summand: Any, *limits: Any) -> Any:
    """``Sum(summand, *limits)`` keeping a matrix summand's factors in the order written.

    ``Sum`` multiplies its summand by an orientation of 1, which rebuilds a matrix product
    and reorders its scalar factor (``(-p + delta) p x x^T``); the summand is kept as given.
    """
    canonical = sp.Sum(summand, *limits)  # checks the limits
    obj = sp.Expr.__new__(sp.Sum)
    obj._args = (summand, *canonical.limits)
    obj.is_commutative = summand.is_commutative
    return obj


def _softmax_block_steps() -> tuple[list[Step], dict[Any, Any]]:
    r"""Block :math:`(j, c)` of the softmax Hessian, in general symbols, proved for every j, c.

    The mean cross-entropy :math:`J` of softmax regression without intercept, ``W`` of
    shape ``d x K`` with column :math:`\mathbf{w}_j` for class ``j``.  Three steps (tags
    ``softmax_blocks``, ``softmax_blocks_matrix``, ``softmax_blocks_penalised``):

    .. math::

        \frac{\partial^2 J}{\partial \mathbf{w}_j \partial \mathbf{w}_c^\top}
        = \frac{1}{n} \sum_{i=1}^{n} p_{ij}(\delta_{jc} - p_{ic})
          \mathbf{x}_i \mathbf{x}_i^\top
        = \frac{1}{n} X^\top S_{jc} X,

    and with the L2 penalty :math:`\frac{\alpha}{2}\lVert W \rVert^2` the diagonal blocks
    gain :math:`\alpha I`.  Each general form is a ``_BlockGeneral`` (two free class
    indices): its instance (n = 2, d = 2, K = 3) is the whole ``dK x dK`` Hessian, block
    ``(j, c)`` in rows ``(j - 1) d + 1 ... j d`` and columns ``(c - 1) d + 1 ... c d``,
    and the left-hand sides are the same matrix of second derivatives of the explicit
    :math:`J`.  The probabilities of the instance are symbols ``p_{ik}`` defined as
    ``softmax_k`` of row ``i`` of ``XW``.
    """
    ns, d, K = 2, 2, 3
    Xs = syms("x_{{{}{}}}", ns, d)
    W = syms("w_{{{}{}}}", d, K)
    Yn = syms("y_{{{}{}}}", ns, K)
    Zn = Xs * W
    Pn = sp.ImmutableMatrix(ns, K, lambda i, k: softmax(k + 1, *Zn.row(i)))
    Ps = syms("p_{{{}{}}}", ns, K)  # shown in the instance; defined as Pn
    mean_ce = -sp.Add(*[Yn[i, k] * sp.log(Pn[i, k]) for i in range(ns) for k in range(K)]) / ns
    rows_one_hot = {Yn[i, K - 1]: 1 - sp.Add(*[Yn[i, k] for k in range(K - 1)]) for i in range(ns)}
    alpha = sp.Symbol("alpha", positive=True)
    penalised = mean_ce + alpha / 2 * sp.Add(*[wk**2 for wk in W])

    def blocks(f: Expr) -> Any:
        """The dK x dK matrix of second derivatives of f, class by class (block (j, c))."""
        return sp.ImmutableMatrix(
            d * K, d * K, lambda r, s: sp.Derivative(f, W[r % d, r // d], W[s % d, s // d])
        )

    # general symbols: X is n x d, P is n x K; block (j, c) for classes j, c = 1 ... K
    n_, d_, K_ = size_symbols("n d K")
    i, j, c = sp.symbols("i j c", integer=True)
    p = sp.IndexedBase("p")
    Xg, Ig = sp.MatrixSymbol("X", n_, d_), sp.MatrixSymbol("I", d_, d_)
    delta = sp.KroneckerDelta(j, c, evaluate=False)  # delta_{jc}, not reordered
    weight = product(p[i, j], terms(delta, -p[i, c]))
    xi = _Sample(Xg, i)
    at: dict[str, Any] = {
        "sizes": {n_: ns, d_: d, K_: K},
        "arrays": {Xg: Xs, p: Ps, Ig: sp.eye(d)},
        "blocks": ((j, K_), (c, K_)),
    }
    S_jc = _Diagonal("S_{jc}", weight, i, n_)
    as_sum = _BlockGeneral(
        product(1 / n_, _sum_as_written(sp.MatMul(weight, xi, xi.T, evaluate=False), (i, 1, n_))),
        **at,
    )
    as_products = _BlockGeneral(sp.MatMul(1 / n_, Xg.T, S_jc, Xg, evaluate=False), **at)
    with_penalty = _BlockGeneral(
        sp.MatAdd(as_products.expr, sp.MatMul(alpha, delta, Ig, evaluate=False), evaluate=False),
        **at,
    )
    d2J = Tex(r"\frac{\partial^2 J}{\partial \mathbf{w}_j \partial \mathbf{w}_c^\top}")
    d2J_penalised = Tex(
        r"\frac{\partial^2 \left(J + \frac{\alpha}{2}\lVert W \rVert^2\right)}"
        r"{\partial \mathbf{w}_j \partial \mathbf{w}_c^\top}"
    )
    defs: dict[Any, Any] = {
        d2J: blocks(mean_ce),
        d2J_penalised: blocks(penalised),
        **{g.symbol: g for g in (as_sum, as_products, with_penalty)},
        **{Ps[r, k]: Pn[r, k] for r in range(ns) for k in range(K)},
    }
    steps = [
        claim(
            r"block $(j, c)$ of the Hessian of $J$, for all classes $j, c$",
            d2J,
            as_sum.symbol,
            given=rows_one_hot,
            tag="softmax_blocks",
        ),
        chain(
            rf"as matrix products, $S_{{jc}} = \operatorname{{diag}}\left("
            rf"{general_latex(weight)}\right)$",
            as_products.symbol,
            tag="softmax_blocks_matrix",
        ),
        claim(
            r"with the L2 penalty, $I$ the $d \times d$ identity",
            d2J_penalised,
            with_penalty.symbol,
            given=rows_one_hot,
            tag="softmax_blocks_penalised",
        ),
    ]
    return steps, defs


@functools.cache
def newton_derivation() -> Derivation:
    r"""Newton's method: the logistic Hessian :math:`X^\top S X`, its PSD-ness, the softmax blocks.

    Tags: ``hessian``, ``psd``, ``softmax_blocks``, ``softmax_blocks_matrix``,
    ``softmax_blocks_penalised`` (see ``_softmax_block_steps``).

    Examples
    --------
    >>> newton_derivation().step("psd").rel
    '>='
    """
    n, d = 3, 2
    sample = _logistic_sample(n, d)
    w, v, loss = (sample[k] for k in ("w", "v", "loss"))
    H = Tex(r"\nabla^2 \ell(\mathbf{w})")
    XSX = _hessian_general(sample)
    psd_steps, defs = _psd_steps(
        sample,
        Tex(r"\mathbf{v}^\top \nabla^2 \ell(\mathbf{w})\, \mathbf{v}"),
        sp.Add(
            *[v[j] * sp.Derivative(loss, w[j], w[k]) * v[k] for j in range(d) for k in range(d)]
        ),
        weights_label=r"Hessian weights are never negative",
        psd_label=r"every $s_i \geq 0$, so $\nabla^2 \ell$ is positive semidefinite",
    )
    defs.update({H: _hessian(loss, w), XSX.symbol: XSX})
    softmax_steps, softmax_defs = _softmax_block_steps()
    defs.update(softmax_defs)
    steps = [
        claim(
            r"Hessian of the logistic loss, $S = \operatorname{diag}(s_i)$",
            H,
            XSX.symbol,
            tag="hessian",
        ),
        *psd_steps,
        *softmax_steps,
    ]
    return Derivation("newton", "Newton's method: Hessians", steps, defs=defs)


@functools.cache
def fisher_information_derivation() -> Derivation:
    r"""Fisher information of the logistic model: the expected Hessian is the Hessian :math:`X^\top S X`.

    The negative log-likelihood of independent labels is the summed cross-entropy
    :math:`\ell(\mathbf{w}) = \sum_i L_i`.  Its Hessian :math:`X^\top S X`, with
    :math:`S = \operatorname{diag}(\sigma(z_i)(1 - \sigma(z_i)))`, does not involve the
    labels, so its expectation under the model (:math:`y_i \sim
    \operatorname{Bernoulli}(\sigma(z_i))`, the Fisher information) is the Hessian
    itself: observed and expected information agree.  The information is positive
    semidefinite, and at the maximum-likelihood estimate its inverse
    :math:`(X^\top S X)^{-1}` estimates the covariance of the coefficients (their
    standard errors are the square roots of its diagonal).  Proved on n = 3 samples,
    d = 2 features, the expectation as an explicit sum over the 2**3 label patterns.
    Tags: ``hessian``, ``label_free``, ``expected_score``, ``score_covariance``, ``fisher``,
    ``fisher_information``, ``psd``, ``covariance``.

    Examples
    --------
    >>> d = fisher_information_derivation()
    >>> d.step("fisher_information").rhs
    X^\top S X
    >>> str(d.verify()).splitlines()[0]
    'fisher_information: 11 steps verified'
    """
    n, d = 3, 2
    sample = _logistic_sample(n, d)
    X, w, v, ys, zv, s, loss = (sample[k] for k in ("X", "w", "v", "y", "z", "s", "loss"))
    H = Tex(r"\nabla^2 \ell(\mathbf{w})")
    XSX = _hessian_general(sample)
    hess = _hessian(loss, w)
    score = sp.ImmutableMatrix([sp.Derivative(loss, wj) for wj in w])
    # the expectation over the labels: every pattern y in {0, 1}^n with its model probability
    patterns = [dict(zip(ys, bits, strict=True)) for bits in itertools.product((0, 1), repeat=n)]

    def expectation(m: Any) -> Any:
        return sum(
            (
                sp.Mul(*[sigmoid(zv[i]) if pat[ys[i]] else 1 - sigmoid(zv[i]) for i in range(n)])
                * m.xreplace(pat)
                for pat in patterns
            ),
            sp.zeros(*m.shape),
        )

    d_dy = Tex(r"\frac{\partial}{\partial y_i} \nabla^2 \ell(\mathbf{w})")
    zero_matrix, zero_vector = Tex("0"), Tex(r"\mathbf{0}")
    e_score = Tex(r"\mathbb{E}_{\mathbf{y}}\left[\nabla \ell(\mathbf{w})\right]")
    info = Tex(r"\mathcal{I}(\mathbf{w})")
    e_hess = Tex(r"\mathbb{E}_{\mathbf{y}}\left[\nabla^2 \ell(\mathbf{w})\right]")
    e_outer = Tex(
        r"\mathbb{E}_{\mathbf{y}}\left[\nabla \ell(\mathbf{w})\, \nabla \ell(\mathbf{w})^\top\right]"
    )
    cov = Tex(r"\operatorname{Cov}(\hat{\mathbf{w}})")
    cov_v = Tex(r"\left(X^\top S X\right)^{-1}")
    fisher = expectation(hess)
    psd_steps, psd_defs = _psd_steps(
        sample,
        Tex(r"\mathbf{v}^\top \mathcal{I}(\mathbf{w})\, \mathbf{v}"),
        (sp.ImmutableMatrix([v]) * fisher * sp.ImmutableMatrix(v))[0, 0],
        weights_label=r"the weights $s_i$ are never negative",
        psd_label=r"so $\mathcal{I}(\mathbf{w})$ is positive semidefinite",
    )
    defs: dict[Any, Expr] = {
        H: hess,
        XSX.symbol: XSX,
        zero_matrix: sp.zeros(d, d),
        zero_vector: sp.zeros(d, 1),
        e_score: expectation(score),
        e_outer: expectation(score * score.T),
        info: fisher,
        e_hess: fisher,
        cov: _inverse(fisher),
        cov_v: _inverse(X.T * sp.diag(*s) * X),
        **psd_defs,
    }
    steps = [
        claim(
            r"Hessian of $\ell = \sum_i L_i$, "
            r"$S = \operatorname{diag}(\hat{y}_i (1 - \hat{y}_i))$",
            H,
            XSX.symbol,
            tag="hessian",
        ),
        claim(
            r"no label appears in it, for every $i$",
            d_dy,
            zero_matrix,
            given=tuple({d_dy: hess.diff(yi)} for yi in ys),
            tag="label_free",
        ),
        claim(
            r"the score has mean zero under the model, $P(y_i = 1) = \sigma(z_i)$",
            e_score,
            zero_vector,
            tag="expected_score",
        ),
        claim(
            r"information equality: the score's covariance is the Hessian",
            e_outer,
            XSX.symbol,
            tag="score_covariance",
        ),
        claim(
            r"Fisher information: the expected Hessian, $y_i \sim "
            r"\operatorname{Bernoulli}(\sigma(z_i))$",
            info,
            e_hess,
            tag="fisher",
        ),
        chain(r"the Hessian does not involve $\mathbf{y}$: observed information", H),
        chain("as matrix products", XSX.symbol, tag="fisher_information"),
        *psd_steps,
        claim(
            r"covariance of the maximum-likelihood estimate: the inverse information",
            cov,
            cov_v,
            tag="covariance",
            note=(
                "Asymptotically (many samples, unpenalised fit, information invertible) the "
                "estimate is normal with covariance I(w)^{-1}, evaluated at the estimate; the "
                "step proves that this inverse is (X^T S X)^{-1}. Standard errors are the square "
                "roots of its diagonal; with the intercept as a column of ones in X, it is the "
                "first row and column."
            ),
        ),
    ]
    return Derivation(
        "fisher_information",
        "Fisher information and the covariance of the estimate",
        steps,
        defs=defs,
        description="The expected Hessian of the logistic negative log-likelihood is X^T S X.",
    )
