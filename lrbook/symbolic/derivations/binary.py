"""Binary classification: the Bernoulli likelihood, the cross-entropy gradient, convexity."""

from __future__ import annotations

import functools
from typing import Any

import sympy as sp

from lrbook.symbolic.core import Derivation, chain, claim
from lrbook.symbolic.derivations._symbols import U, bce_of, grad, syms, y, z
from lrbook.symbolic.functions import Expr, Tex, log1p, log_sigmoid, sigmoid, softplus
from lrbook.symbolic.general import Apply, General, product, size_symbols, terms

__all__ = ["bce_derivation", "bernoulli_nll_derivation", "convexity_derivation"]

# a step that holds for labels y in {0, 1} only is proved once for each label
_BINARY_LABELS = ({y: 0}, {y: 1})


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
    >>> str(d.verify()).splitlines()[0]
    'bernoulli_nll: 7 steps verified'
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
    # the likelihood of n independent samples, proved at n = 3
    n, N = size_symbols("n")[0], 3
    i = sp.Symbol("i", integer=True)
    yh_i, y_i = sp.IndexedBase(r"\hat{y}"), sp.IndexedBase("y")
    yh = [Tex(rf"\hat{{y}}_{{{k + 1}}}") for k in range(N)]
    ys = syms("y_{}", N)
    defs.update({yh[k]: sigmoid(zk) for k, zk in enumerate(syms("z_{}", N))})
    at: dict[str, Any] = {"sizes": {n: N}, "arrays": {yh_i: yh, y_i: ys}}
    lik = Tex(r"P(\mathbf{y} \mid X)")
    lik_prod = General(
        sp.Product(product(yh_i[i] ** y_i[i], (1 - yh_i[i]) ** (1 - y_i[i])), (i, 1, n)), **at
    )
    # the log-likelihood, as a log of the product and as a sum of logs: negated, then averaged
    log_lik = r"\log P(\mathbf{y} \mid X)"
    log_terms = sp.Sum(
        terms(y_i[i] * sp.log(yh_i[i]), (1 - y_i[i]) * sp.log(1 - yh_i[i])), (i, 1, n)
    )
    nll, mean = Tex("-" + log_lik), Tex(r"-\tfrac{1}{n}" + log_lik)
    nll_sum = General(-log_terms, **at)
    mean_sum = General(-product(1 / n, log_terms), **at)
    product_value = lik_prod.instance()
    defs.update(
        {
            # independent examples: the joint probability is the product of the P(y_i | x_i)
            lik: sp.Mul(
                *[sp.Piecewise((yh[k], sp.Eq(ys[k], 1)), (1 - yh[k], True)) for k in range(N)]
            ),
            lik_prod.symbol: lik_prod,
            nll: -sp.log(product_value),
            nll_sum.symbol: nll_sum,
            mean: -sp.log(product_value) / N,
            mean_sum.symbol: mean_sum,
        }
    )
    labels = tuple({ys[k]: (mask >> k) & 1 for k in range(N)} for mask in range(2**N))
    steps = [
        claim(r"the model: label 1 with probability $\hat{y}$", P1, yhat),
        claim("label 0 with the rest", P0, 1 - yhat),
        claim(
            r"one formula for both labels $y \in \{0, 1\}$ (Bernoulli)",
            Py,
            bernoulli,
            given=_BINARY_LABELS,
            tag="bernoulli",
        ),
        claim(
            "negative log: the loss of one example",
            nll1,
            -y * sp.log(yhat) - (1 - y) * sp.log(1 - yhat),
            tag="nll_one",
        ),
        claim(
            r"independent samples: a product over $\mathbf{y} = (y_1, \dots, y_n)$",
            lik,
            lik_prod.symbol,
            given=labels,
            tag="likelihood",
        ),
        claim("the log of a product is the sum of the logs", nll, nll_sum.symbol, tag="nll_sum"),
        claim(
            "divide by $n$: the mean binary cross-entropy",
            mean,
            mean_sum.symbol,
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
    L_yhat = bce_of(yhat, y)
    dL_dyhat = Tex(r"\frac{\partial L}{\partial \hat{y}}")
    dyhat_dz = Tex(r"\frac{\partial \hat{y}}{\partial z}")
    dL_dz = Tex(r"\frac{\partial L}{\partial z}")
    defs: dict[Any, Expr] = {
        yhat: sigmoid(z),
        L: L_yhat,
        dL_dyhat: sp.Derivative(L_yhat, yhat),
        dyhat_dz: sp.Derivative(sigmoid(z), z),
        dL_dz: sp.Derivative(bce_of(sigmoid(z), y), z),
    }
    # one sample with two features and an intercept
    x1, x2, w1, w2, b = sp.symbols("x_1 x_2 w_1 w_2 b", real=True)
    zlin = b + w1 * x1 + w2 * x2
    L1 = bce_of(sigmoid(zlin), y)
    grad1 = Tex(r"\nabla_{\mathbf{w}} L")
    dL_db = Tex(r"\frac{\partial L}{\partial b}")
    defs[grad1] = grad(L1, [w1, w2])
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
    X = syms("x_{{{}{}}}", n, 2)
    ys = sp.ImmutableMatrix(syms("y_{}", n))
    w = sp.ImmutableMatrix([w1, w2])
    zv = X * w + b * sp.ones(n, 1)
    loss_sum = sp.Add(*[bce_of(sigmoid(zv[i]), ys[i]) for i in range(n)])
    loss_mean = loss_sum / n
    ones = sp.ones(n, 1)
    X1 = sp.ImmutableMatrix.hstack(ones, X)
    theta = [b, w1, w2]
    dJ_dwj = Tex(r"\frac{\partial J}{\partial w_j}")  # entry j, for every j
    g_mean, g_sum = Tex(r"\nabla_{\mathbf{w}} J"), Tex(r"\nabla_{\mathbf{w}} J_{\Sigma}")
    db_mean = Tex(r"\frac{\partial J}{\partial b}")
    g_theta = Tex(r"\nabla_{\boldsymbol{\theta}} J")
    # the same quantities in general symbols (n samples, d features), proved at n = 3, d = 2
    n_, d_ = size_symbols("n d")
    i, j = sp.symbols("i j", integer=True)
    x_ij, y_i, z_i = sp.IndexedBase("x"), sp.IndexedBase("y"), sp.IndexedBase("z")
    Xg = sp.MatrixSymbol("X", n_, d_)
    X1g = sp.MatrixSymbol("X_1", n_, d_ + 1)
    wg = sp.MatrixSymbol(r"\mathbf{w}", d_, 1)
    yg = sp.MatrixSymbol(r"\mathbf{y}", n_, 1)
    thetag = sp.MatrixSymbol(r"\boldsymbol{\theta}", d_ + 1, 1)
    onesg = sp.MatrixSymbol(r"\mathbf{1}", n_, 1)
    # the printed instance names each sample's logit z_i (defined below, substituted back
    # by the proofs) instead of writing b + w_1 x_{i1} + w_2 x_{i2} inside every sigmoid
    z_names = {zv[k]: Tex(f"z_{{{k + 1}}}") for k in range(n)}
    defs.update({name: value for value, name in z_names.items()})
    at: dict[str, Any] = {
        "names": z_names,
        "sizes": {n_: n, d_: 2},
        "arrays": {
            x_ij: X,
            y_i: list(ys),
            z_i: list(zv),
            Xg: X,
            X1g: X1,
            wg: w,
            yg: ys,
            onesg: ones,
            thetag: sp.ImmutableMatrix(theta),
        },
    }
    # the residuals sigma(z) - y, shown (and computed) once for every vectorised gradient
    residuals = sp.MatAdd(
        Apply(sigmoid, sp.MatAdd(Xg * wg, b * onesg, evaluate=False)), -yg, evaluate=False
    )
    index_mean = General(
        product(1 / n_, sp.Sum(product(terms(sigmoid(z_i[i]), -y_i[i]), x_ij[i, j]), (i, 1, n_))),
        **at,
        entry=(j, d_),
    )
    vec_mean = General(sp.MatMul(1 / n_, Xg.T, residuals, evaluate=False), **at)
    vec_sum = General(sp.MatMul(Xg.T, residuals, evaluate=False), **at)
    vec_b = General(sp.MatMul(1 / n_, onesg.T, residuals, evaluate=False), **at)
    xg = sp.MatrixSymbol(r"\mathbf{x}", d_, 1)
    one_sample = General(
        sp.MatMul(terms(sigmoid(z), -y), xg, evaluate=False),
        sizes={d_: 2},
        arrays={xg: sp.ImmutableMatrix([x1, x2])},
    )
    defs[one_sample.symbol] = one_sample
    residuals_1 = sp.MatAdd(Apply(sigmoid, X1g * thetag), -yg, evaluate=False)
    vec_theta = General(sp.MatMul(1 / n_, X1g.T, residuals_1, evaluate=False), **at)
    defs.update(
        {
            g_mean: grad(loss_mean, [w1, w2]),
            dJ_dwj: grad(loss_mean, [w1, w2]),
            g_sum: grad(loss_sum, [w1, w2]),
            db_mean: sp.Derivative(loss_mean, b),
            g_theta: grad(loss_mean, theta),
            **{g.symbol: g for g in (index_mean, vec_mean, vec_sum, vec_b, vec_theta)},
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
            given=_BINARY_LABELS,
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
            given=_BINARY_LABELS,
            tag="bce_loss",
            note=(
                "No 0 * inf at infinite logits: -y log sigma(z) - (1 - y) log sigma(-z) would "
                "compute 0 * (-inf) = NaN at z = -inf, y = 1."
            ),
        ),
        claim(
            r"one sample, $z = b + \mathbf{w}^\top\mathbf{x}$",
            grad1,
            one_sample.symbol,
            given={z: zlin},
            tag="grad_one_sample",
        ),
        claim("intercept, one sample", dL_db, sigmoid(z) - y, given={z: zlin}),
        claim(r"mean over the $n$ samples, entry $j$", dJ_dwj, index_mean.symbol),
        claim(r"all $d$ entries as matrix products", g_mean, vec_mean.symbol, tag="grad_mean"),
        claim("sum reduction", g_sum, vec_sum.symbol, tag="grad_sum"),
        claim("intercept, mean reduction", db_mean, vec_b.symbol, tag="grad_intercept"),
        claim(
            r"intercept as a column of ones, $X_1 = [\mathbf{1}\ X]$, "
            r"$\boldsymbol{\theta} = (b, \mathbf{w})$",
            g_theta,
            vec_theta.symbol,
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
        d2bce: sp.Derivative(bce_of(sigmoid(z), y), (z, 2)),
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
