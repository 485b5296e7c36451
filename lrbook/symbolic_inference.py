r"""The Fisher information of logistic regression, derived and verified with SymPy.

A self-contained derivation written only with public names of
:mod:`lrbook.symbolic` (:class:`~lrbook.symbolic.Derivation`,
:func:`~lrbook.symbolic.claim`, :class:`~lrbook.symbolic.Tex`,
:class:`~lrbook.symbolic.sigmoid`); it is the mathematics behind
:mod:`lrbook.inference`.  (Temporary home: it moves into the symbolic package.)

This module imports SymPy; ``import lrbook`` never imports it.

For example:

>>> from lrbook.symbolic_inference import fisher_information_derivation
>>> d = fisher_information_derivation()
>>> d.step("fisher").rel  # d.verify() proves every step (about 10 s)
'=='
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

import sympy as sp

from lrbook.symbolic import Derivation, Tex, claim, sigmoid

__all__ = ["fisher_information_derivation"]


def _nll(p: Any, label: Any) -> Any:
    """Negative log-likelihood of one Bernoulli label with success probability ``p``."""
    return -label * sp.log(p) - (1 - label) * sp.log(1 - p)


@functools.cache
def fisher_information_derivation() -> Derivation:
    r"""Observed = expected (Fisher) information :math:`X^\top S X`; covariance of the MLE.

    Proved on an explicit instance (``n = 2`` samples, ``d = 2`` weights, all
    ``2^2`` label vectors enumerated for the expectations; the inverse in the
    last step makes larger instances slow), displayed
    in the book's general notation:

    1. the Hessian of the summed negative log-likelihood is :math:`X^\top S X`
       (tag ``hessian``);
    2. it does not depend on any label :math:`y_i` (tag ``no_labels``);
    3. when the labels follow the model, :math:`y_i \sim
       \mathrm{Bernoulli}(\sigma(z_i))`, the score has mean zero (tag
       ``score_mean``);
    4. its covariance is :math:`X^\top S X` (information equality, tag
       ``score_covariance``);
    5. so the expected (Fisher) information equals the observed one (tag
       ``fisher``);
    6. the linearised (one Newton step) estimator
       :math:`\hat{\mathbf w} - \mathbf w \approx -\mathcal I^{-1} \nabla L`
       has covariance :math:`\mathcal I^{-1} = (X^\top S X)^{-1}` (tag
       ``covariance``), the large-sample covariance of the MLE.

    Returns
    -------
    lrbook.symbolic.Derivation
        Named ``"fisher"``.

    Examples
    --------
    >>> d = fisher_information_derivation()
    >>> [s.tag for s in d]
    ['hessian', 'no_labels', 'score_mean', 'score_covariance', 'fisher', 'covariance']
    """
    n, d = 2, 2
    X = sp.ImmutableMatrix(n, d, lambda i, j: sp.Symbol(f"x_{{{i + 1}{j + 1}}}", real=True))
    w = [sp.Symbol(f"w_{j + 1}", real=True) for j in range(d)]
    ys = [sp.Symbol(f"y_{i + 1}", real=True) for i in range(n)]
    z = [sum((X[i, j] * w[j] for j in range(d)), sp.Integer(0)) for i in range(n)]
    p = [sigmoid(zi) for zi in z]
    s = [pi * (1 - pi) for pi in p]

    def loss(labels: Any) -> Any:
        return sp.Add(*[_nll(p[i], labels[i]) for i in range(n)])

    def hessian(labels: Any) -> Any:
        L = loss(labels)
        return sp.ImmutableMatrix(d, d, lambda j, k: sp.Derivative(L, w[j], w[k]))

    def score(labels: Any) -> Any:
        L = loss(labels)
        return sp.ImmutableMatrix([sp.Derivative(L, wj) for wj in w])

    def prob(labels: Any) -> Any:  # P(y = labels) under the model
        return sp.Mul(*[p[i] if labels[i] else 1 - p[i] for i in range(n)])

    configs = list(itertools.product((0, 1), repeat=n))
    XSX = X.T * sp.diag(*s) * X
    info_inv = Tex(r"\mathcal{I}^{-1}")
    H = Tex(r"\nabla^2 L")
    XSX_t = Tex(r"X^\top S X")
    dH_dy = Tex(r"\frac{\partial\, \nabla^2 L}{\partial y_i}")
    E_score = Tex(r"\mathbb{E}_{\mathbf y}\!\left[\nabla L\right]")
    E_outer = Tex(r"\mathbb{E}_{\mathbf y}\!\left[\nabla L\, \nabla L^\top\right]")
    E_hess = Tex(r"\mathcal{I} = \mathbb{E}_{\mathbf y}\!\left[\nabla^2 L\right]")
    cov = Tex(r"\operatorname{Cov}\!\left(\mathcal{I}^{-1} \nabla L\right)")
    zero_v = sp.ImmutableMatrix([0] * d)
    defs: dict[Any, Any] = {
        H: hessian(ys),
        XSX_t: XSX,
        E_score: sp.ImmutableMatrix(sp.Add(*[prob(c) * score(c) for c in configs], evaluate=False)),
        E_outer: sp.ImmutableMatrix(
            sp.Add(*[prob(c) * score(c) * score(c).T for c in configs], evaluate=False)
        ),
        E_hess: sp.ImmutableMatrix(
            sp.Add(*[prob(c) * hessian(c) for c in configs], evaluate=False)
        ),
        info_inv: XSX.inv(),
    }
    outer = sp.ImmutableMatrix(
        sp.Add(*[prob(c) * score(c) * score(c).T for c in configs], evaluate=False)
    )
    defs[cov] = XSX.inv() * outer * XSX.inv()  # Cov(A g) = A E[g g^T] A^T, E[g] = 0
    no_label_cases = tuple(
        {dH_dy: sp.ImmutableMatrix(d, d, lambda j, k, i=i: sp.Derivative(hessian(ys)[j, k], ys[i]))}
        for i in range(n)
    )
    steps = [
        claim(
            r"Hessian of the summed NLL, $S = \operatorname{diag}(\sigma_i (1 - \sigma_i))$",
            H,
            XSX_t,
            tag="hessian",
        ),
        claim(
            r"no label in it (every $i$)",
            dH_dy,
            sp.zeros(d, d),
            given=no_label_cases,
            tag="no_labels",
        ),
        claim(
            r"$y_i \sim \mathrm{Bernoulli}(\sigma_i)$: the score has mean 0",
            E_score,
            zero_v,
            tag="score_mean",
        ),
        claim(
            r"information equality",
            E_outer,
            XSX_t,
            tag="score_covariance",
        ),
        claim(
            r"Fisher information $=$ observed information",
            E_hess,
            XSX_t,
            tag="fisher",
        ),
        claim(
            r"covariance of one Newton step $-\mathcal{I}^{-1} \nabla L$ from the truth",
            cov,
            info_inv,
            tag="covariance",
        ),
    ]
    return Derivation(
        "fisher",
        "Fisher information and the covariance of the estimate",
        steps,
        defs=defs,
        description=(
            "The Hessian X^T S X contains no label, so observed and expected information "
            "agree; the inverse is the large-sample covariance of the MLE."
        ),
    )
