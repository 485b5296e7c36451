"""Softmax regression: Jacobian, cross-entropy gradient, stable kernel forms, shift invariance."""

from __future__ import annotations

import functools
from typing import Any

import sympy as sp

from lrbook.symbolic.core import Derivation, chain, claim
from lrbook.symbolic.derivations._symbols import (
    U,
    Y,
    Z,
    delta_jc,
    grad,
    p_c,
    p_j,
    syms,
)
from lrbook.symbolic.functions import (
    Expr,
    Tex,
    log1p,
    logsumexp,
    rest,
    rowsum,
    shifted,
    softmax,
)
from lrbook.symbolic.general import General, product, size_symbols, terms

__all__ = ["softmax_derivation"]


@functools.cache
def softmax_derivation() -> Derivation:
    r"""Softmax and cross-entropy: Jacobian, gradient ``p - y``, ``X^T (P - Y)``, shift invariance.

    Explicit K = 3 classes.  Tags: ``softmax_jacobian`` (kernel
    ``p_j (delta_jc - p_c)``), ``ce_dz`` (kernel ``(E - Y - Y r) / (1 + r)`` with
    ``E = exp(shifted(Z))``, ``r = rest(E)``: equal to ``softmax(Z) - Y`` for every
    ``Y >= 0``, and exact for the target class of a one-hot row, where ``p - 1``
    would cancel), ``ce_loss`` (kernel ``rowsum(Y where(Y > 0, log1p(r) -
    shifted(Z), 0))`` for rows ``Y >= 0``: no 0 * (-inf) when a logit is -inf; it
    shares ``E`` and ``r`` with ``ce_dz``), ``shift``, ``grad_W``, ``grad_b``.

    Examples
    --------
    >>> softmax_derivation().step("softmax_jacobian").rhs
    p_j*(delta_jc - p_c)
    """
    K = 3
    zs = syms("z_{}", K)
    ys = syms("y_{}", K)
    Ps = syms("p_{}", K)
    c = sp.Symbol("c", real=True)
    sm = [softmax(j + 1, *zs) for j in range(K)]
    # every label pattern of a row with entries >= 0: y_k is 0 or a positive q_k
    qs = [sp.Symbol(f"q_{k + 1}", positive=True) for k in range(K)]
    nonneg_rows = tuple(
        {ys[k]: qs[k] if (mask >> k) & 1 else 0 for k in range(K)} for mask in range(2**K)
    )
    sum_to_one = {ys[-1]: 1 - sp.Add(*ys[:-1])}
    pj = Tex("p_j")
    frac = Tex(r"\frac{e^{z_j}}{\sum_{k=1}^{K} e^{z_k}}")
    sm_shifted = Tex(r"\operatorname{softmax}_j(\mathbf{z} - c)")
    dpdz = Tex(r"\frac{\partial p_j}{\partial z_c}")
    J = Tex(r"\frac{\partial \mathbf{p}}{\partial \mathbf{z}}")
    J_mat = Tex(r"\operatorname{diag}(\mathbf{p}) - \mathbf{p}\mathbf{p}^\top")
    L = Tex("L")
    ce_def = Tex(r"-\sum_{k=1}^{K} y_k \log p_k")
    y_k, p_k = sp.symbols("y_k p_k", real=True)
    dL_dp = Tex(r"\frac{\partial L}{\partial p_k}")
    dL_dz = Tex(r"\frac{\partial L}{\partial z_c}")
    chain_sum = Tex(r"\sum_{j} \frac{\partial L}{\partial p_j}\frac{\partial p_j}{\partial z_c}")
    chain_sub = Tex(r"\sum_{j} \left(-\frac{y_j}{p_j}\right) p_j\left(\delta_{jc} - p_c\right)")
    chain_simpl = Tex(r"p_c \sum_{j} y_j - y_c")
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
        dL_dz: grad(ce, zs),
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
    X = syms("x_{{{}{}}}", n, d)
    W = syms("w_{{{}{}}}", d, K)
    bs = sp.ImmutableMatrix([syms("b_{}", K)])
    Yn = syms("y_{{{}{}}}", n, K)
    Zn = X * W + sp.ones(n, 1) * bs
    Pn = sp.ImmutableMatrix(n, K, lambda i, k: softmax(k + 1, *Zn.row(i)))
    loss = -sp.Add(*[Yn[i, k] * sp.log(Pn[i, k]) for i in range(n) for k in range(K)])
    rows_one_hot = {Yn[i, K - 1]: 1 - sp.Add(*[Yn[i, k] for k in range(K - 1)]) for i in range(n)}
    # the mean loss J; in general symbols: X is n x d, P and Y are n x K, proved at
    # n = 2, d = 2, K = 3
    n_, d_, Kg = size_symbols("n d K")
    Xg = sp.MatrixSymbol("X", n_, d_)
    Pg = sp.MatrixSymbol("P", n_, Kg)
    Yg = sp.MatrixSymbol("Y", n_, Kg)
    onesg = sp.MatrixSymbol(r"\mathbf{1}", n_, 1)
    at_n: dict[str, Any] = {
        "sizes": {n_: n, d_: d, Kg: K},
        "arrays": {Xg: X, Pg: Pn, Yg: Yn, onesg: sp.ones(n, 1)},
    }
    residuals = sp.MatAdd(Pg, -Yg, evaluate=False)
    gWv = General(sp.MatMul(1 / n_, Xg.T, residuals, evaluate=False), **at_n)
    gbv = General(sp.MatMul(1 / n_, onesg.T, residuals, evaluate=False), **at_n)
    gW, gb = Tex(r"\nabla_W J"), Tex(r"\nabla_{\mathbf{b}} J")
    mean_loss = loss / n
    defs.update(
        {
            gW: sp.ImmutableMatrix(d, K, lambda j, kk: sp.Derivative(mean_loss, W[j, kk])),
            gb: sp.ImmutableMatrix(1, K, lambda _, kk: sp.Derivative(mean_loss, bs[kk])),
            gWv.symbol: gWv,
            gbv.symbol: gbv,
        }
    )
    # the same quantities in general symbols (K classes), proved at K = 3
    K_ = size_symbols("K")[0]
    k = sp.Symbol("k", integer=True)
    z_k, y_k_ = sp.IndexedBase("z"), sp.IndexedBase("y")
    at_K: dict[str, Any] = {"sizes": {K_: K}, "arrays": {z_k: list(zs), y_k_: list(ys)}}
    lse_sum = sp.Sum(sp.exp(z_k[k]), (k, 1, K_))
    lse = Tex(r"\operatorname{LSE}(\mathbf{z})")
    lse_def = General(sp.log(lse_sum), **at_K)
    lse_shifted = General(terms(c, sp.log(sp.Sum(sp.exp(terms(z_k[k], -c)), (k, 1, K_)))), **at_K)
    ce_general = General(
        terms(sp.log(lse_sum), -sp.Sum(product(y_k_[k], z_k[k]), (k, 1, K_))), **at_K
    )
    defs[lse] = logsumexp(*zs)
    defs.update({g.symbol: g for g in (lse_def, lse_shifted, ce_general)})
    comps = {Z: zs, Y: ys}
    # the kernels' one exponential: S = Z - max Z by rows, E = exp(S) (largest entry
    # exactly 1), r = rest(E) = rowsum(E) - 1 without cancellation
    S = shifted(Z)
    E = sp.exp(S)
    r = rest(E)
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
            sm_shifted,
            pj,
            given=tuple(
                {sm_shifted: softmax(j + 1, *[v - c for v in zs]), pj: sm[j]} for j in range(K)
            ),
            tag="shift",
        ),
        claim("log-sum-exp", lse, lse_def.symbol, tag="lse"),
        chain(
            "the same shift, taken out of the sum",
            lse_shifted.symbol,
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
            ce_general.symbol,
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
            r"as the kernel computes it: one exponential $e^{\tilde{Z}}$, "
            r"$\tilde{Z} = Z - \max Z$ by rows",
            # U(E - Y): E - Y first, so that y = 1 at the row maximum gives exactly 1 - 1 = 0
            # and the numerator is exactly -r (-r - 1 + 1 would round a tiny r away)
            (U(E - Y) - Y * r) / (r + 1),
            components=comps,
            given=nonneg_rows,
            tag="ce_dz",
            note=(
                "With the row maximum subtracted, E = exp(Z - max Z) has largest entry exactly 1 "
                "and r = rest(E), the sum of the other entries, is rowsum(E) - 1 without "
                "cancellation, so (E - Y(1 + r)) / (1 + r) = softmax(Z) - Y. For the target "
                "class of a one-hot row, where p - 1 would round to 1.0 - 1 = 0, it is "
                "-r / (1 + r), to full relative precision. Valid for every Y >= 0 (rows "
                "summing to 1)."
            ),
        ),
        claim(
            r"loss kernel for rows $Y \geq 0$",
            L,
            rowsum(Y * sp.Piecewise((log1p(r) - S, Y > 0), (0, True))),
            components=comps,
            given=nonneg_rows,
            tag="ce_loss",
            note=(
                "-log softmax(Z) = log1p(r) - (Z - max Z) with the E and r of the gradient "
                "(computed once for both); log1p keeps tiny losses accurate. Skipping the "
                "zero labels avoids 0 * (-inf) when another logit is -inf."
            ),
        ),
        claim(
            r"weights, $Z = XW + \mathbf{1}\mathbf{b}^\top$",
            gW,
            gWv.symbol,
            given=rows_one_hot,
            tag="grad_W",
        ),
        claim("intercepts", gb, gbv.symbol, given=rows_one_hot, tag="grad_b"),
    ]
    return Derivation("softmax", "Softmax regression", steps, defs=defs)
