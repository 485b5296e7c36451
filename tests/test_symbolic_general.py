"""General forms (issue 12): displayed in general symbols, proved at their instance."""

from __future__ import annotations

import re

import pytest

sp = pytest.importorskip("sympy")

from lrbook.symbolic import bce_derivation, bernoulli_nll_derivation  # noqa: E402
from lrbook.symbolic.core import Derivation, DerivationError, claim  # noqa: E402
from lrbook.symbolic.functions import sigmoid  # noqa: E402
from lrbook.symbolic.general import (  # noqa: E402
    Apply,
    General,
    general_latex,
    instantiate,
    size_symbols,
    terms,
)

n, d = size_symbols("n d")
i = sp.Symbol("i", integer=True)
INSTANCE_SIZE = re.compile(r"\b[ndK]\s*=\s*\d|\bhere\b")


def test_general_form_prints_in_the_order_written() -> None:
    y = sp.IndexedBase("y")
    assert general_latex(terms(1, -y[i])) == "1 - y_{i}"
    assert general_latex(sp.MatrixSymbol("X", n, d).T) == r"X^\top"


def test_instantiate_expands_sums_and_matrix_products() -> None:
    x = sp.IndexedBase("x")
    x1, x2, x3 = sp.symbols("x1 x2 x3")
    assert instantiate(sp.Sum(x[i], (i, 1, n)), {n: 3}, {x: [x1, x2, x3]}) == x1 + x2 + x3
    z = sp.MatrixSymbol("z", n, 1)
    out = instantiate(Apply(sigmoid, z), {n: 2}, {z: sp.Matrix([x1, x2])})
    assert out == sp.ImmutableMatrix([sigmoid(x1), sigmoid(x2)])


def test_a_wrong_general_form_fails_the_proof() -> None:
    y = sp.IndexedBase("y")
    ys = sp.symbols("y1:4")
    total = sp.Symbol("T")
    right = General(sp.Sum(y[i], (i, 1, n)), {n: 3}, {y: list(ys)})
    wrong = General(sp.Sum(y[i], (i, 1, n - 1)), {n: 3}, {y: list(ys)})
    for general, holds in ((right, True), (wrong, False)):
        d = Derivation(
            "demo",
            "demo",
            [claim("sum", total, general.symbol)],
            defs={total: sum(ys), general.symbol: general},
        )
        if holds:
            assert d.verify()
        else:
            with pytest.raises(DerivationError, match="step 0"):
                d.verify()


@pytest.mark.parametrize(
    ("derivation", "steps"),
    [
        (bernoulli_nll_derivation, ["likelihood", "nll_sum", "bce_mean"]),
        (bce_derivation, ["grad_mean", "grad_sum", "grad_intercept", "grad_ones_column"]),
    ],
)
def test_general_display_shows_no_instance_and_agrees_with_it(derivation, steps) -> None:
    d = derivation()
    general = d.latex(steps=steps)
    instance = d.latex(steps=steps, form="instance")
    assert not INSTANCE_SIZE.search(general), general
    assert r"\sum" in general or r"\prod" in general or r"^\top" in general
    assert general != instance
    assert d.instance_sizes(steps)  # where the proof was done, for the dropdown
    # each general quantity, instantiated, is what the proofs used
    for symbol, form in d.generals.items():
        assert sp.simplify(sp.sympify(form.instance() - d.defs[symbol])) == 0 or (
            form.instance() == d.defs[symbol]
        )


@pytest.mark.parametrize("name", ["mlp_sigmoid_derivation", "mlp_softmax_derivation"])
def test_backprop_gradients_display_in_general_symbols(name: str) -> None:
    """Chapter 10: dL/dW^(l) = (input) delta^(l)T in general symbols, proved at d, h, K."""
    import lrbook.symbolic as S

    d = getattr(S, name)()
    steps = ["grad_W2", "grad_b2", "grad_W1", "grad_b1"]
    general = d.latex(steps=steps)
    assert not INSTANCE_SIZE.search(general), general
    assert r"\mathbf{x} {\boldsymbol{\delta}^{(1)}}^\top" in general
    assert r"\mathbf{a}^{(1)} {\boldsymbol{\delta}^{(2)}}^\top" in general
    assert general != d.latex(steps=steps, form="instance")
    assert set(d.instance_sizes(steps).split(", ")) >= {
        "d = 2",
        "K = 1" if "sigmoid" in name else "K = 3",
    }
    for symbol, form in d.generals.items():
        assert form.instance() == d.defs[symbol]


SOFTMAX_GENERAL_STEPS = ["lse", "lse_shift", "ce_logits", "grad_W", "grad_b"]


def test_softmax_displays_are_general_and_agree_with_the_instance() -> None:
    from lrbook.symbolic import softmax_derivation

    d = softmax_derivation()
    general = d.latex(steps=SOFTMAX_GENERAL_STEPS)
    assert not INSTANCE_SIZE.search(general), general
    assert r"\sum_{k=1}^{K}" in general
    assert r"X^\top" in general
    assert "z_{3}" not in general
    assert "LSE(z" not in general
    assert general != d.latex(steps=SOFTMAX_GENERAL_STEPS, form="instance")
    assert d.instance_sizes(["grad_W"]) == "K = 3, d = 2, n = 2"
    for symbol, form in d.generals.items():
        assert sp.simplify(sp.sympify(form.instance() - d.defs[symbol])) == 0 or (
            form.instance() == d.defs[symbol]
        )


def test_softmax_gradient_without_the_mean_fails_the_proof() -> None:
    from lrbook.symbolic import softmax_derivation

    d = softmax_derivation()
    step = d.step("grad_W")
    right = d.generals[step.rhs]
    wrong = General(sp.MatMul(*right.expr.args[1:]), right.sizes, right.arrays)  # no 1/n
    for general, holds in ((right, True), (wrong, False)):
        check = Derivation(
            "demo",
            "demo",
            [claim("weights", step.lhs, general.symbol, given=step.given)],
            defs={step.lhs: d.defs[step.lhs], general.symbol: general},
        )
        if holds:
            assert check.verify()
        else:
            with pytest.raises(DerivationError, match="step 0"):
                check.verify()


# -- activations (chapter 2): a textbook's term order, proved -------------------------------
def test_activation_displays_keep_the_textbook_order_and_are_proved() -> None:
    from lrbook.symbolic import sigmoid_derivation, tanh_derivation

    sig, tanh = sigmoid_derivation(), tanh_derivation()
    assert sig.verify()
    assert tanh.verify()
    shown = sig.latex()
    assert r"\frac{1}{1 + e^{- z}}" in shown
    assert "e^{- z} + 1" not in shown
    assert r"\sigma\left(z\right) \left(1 - \sigma\left(z\right)\right)" in shown
    assert r"e^{z} - e^{- z}" in tanh.latex()
    # each identity is stated before the step that uses it
    order = [s.tag for s in sig.steps if s.tag]
    assert order.index("symmetry") < order.index("sigma_prime_symmetric")
    # the kernel's form is unchanged
    assert str(sig.step("sigmoid_dz_from_output").rhs) == "a*(1 - a)"


def test_activation_display_that_is_wrong_fails_the_proof() -> None:
    from lrbook.symbolic.derivations.activations import _shown
    from lrbook.symbolic.functions import sigmoid

    z = sp.Symbol("z")
    defs: dict = {}
    wrong = _shown(1 / terms(1, sp.exp(z)), defs)  # e^{+z}: not the sigmoid
    d = Derivation("wrong", "wrong display", [claim("definition", sigmoid(z), wrong)], defs=defs)
    with pytest.raises(DerivationError, match="step 0"):
        d.verify()


# -- Newton's method and the Fisher information (chapters 11 and 12) ------------------------


@pytest.mark.parametrize(
    ("name", "steps"),
    [
        ("newton", ["hessian", 1, 2, "psd"]),
        ("fisher_information", ["hessian", "fisher_information", "psd"]),
    ],
)
def test_hessian_displays_are_general_and_agree_with_their_instance(name, steps) -> None:
    from lrbook.symbolic import fisher_information_derivation, newton_derivation

    d = {"newton": newton_derivation, "fisher_information": fisher_information_derivation}[name]()
    general = d.latex(steps=steps)
    assert not INSTANCE_SIZE.search(general), general
    assert r"X^\top S X" in general
    assert r"\sum_{i=1}^{n}" in general
    assert r"\sum_{j=1}^{d}" in general
    assert general != d.latex(steps=steps, form="instance")
    assert d.instance_sizes(steps) == "d = 2, n = 3"
    for symbol, form in d.generals.items():  # what the proofs used is the instance
        assert d.defs[symbol] == form.instance()


SOFTMAX_BLOCK_STEPS = ["softmax_blocks", "softmax_blocks_matrix", "softmax_blocks_penalised"]


def test_softmax_hessian_blocks_are_general_and_agree_with_the_instance() -> None:
    """Chapter 11: block (j, c) in general symbols; its instance is the whole dK x dK Hessian."""
    from lrbook.symbolic import newton_derivation

    d = newton_derivation()
    general = d.latex(steps=SOFTMAX_BLOCK_STEPS)
    assert not INSTANCE_SIZE.search(general), general
    assert (
        r"\frac{1}{n} \sum_{i=1}^{n} p_{ij} \left(\delta_{j c} - p_{ic}\right) "
        r"\mathbf{x}_{i} \mathbf{x}_{i}^\top" in general
    )
    assert r"\frac{1}{n} X^\top S_{jc} X + \alpha \delta_{j c} I" in general
    assert d.instance_sizes(SOFTMAX_BLOCK_STEPS) == "K = 3, d = 2, n = 2"
    instance = d.latex(steps=SOFTMAX_BLOCK_STEPS, form="instance")
    assert r"\sum" not in instance
    assert "p_{23}" in instance
    for step in (d.step(k) for k in SOFTMAX_BLOCK_STEPS):
        form = d.generals[step.rhs]
        assert form.instance() == d.defs[step.rhs]
        assert form.instance().shape == (6, 6)  # K x K blocks of d x d


def _softmax_block_variant(which: str) -> General:
    """The displayed block (j, c) of the Hessian of J, or a wrong variant of it."""
    from lrbook.symbolic import newton_derivation

    d = newton_derivation()
    right = d.generals[d.step("softmax_blocks").rhs]
    mean, total = right.expr.args  # 1/n, the sum over i
    (summand, limits) = total.args
    weight, x_i, x_i_t = summand.args
    p_ij, difference = weight.args
    delta, minus_p_ic = difference.args
    if which == "right":
        expr = right.expr
    elif which == "no 1/n":
        expr = total
    elif which == "p_ic - delta_jc":
        flipped = sp.Mul(p_ij, terms(-minus_p_ic, -delta), evaluate=False)
        expr = sp.Mul(mean, sp.Sum(sp.MatMul(flipped, x_i, x_i_t), limits), evaluate=False)
    elif which == "delta_jc = 1":  # right on the diagonal blocks only
        expr = right.expr.xreplace({delta: sp.Integer(1)})
    else:  # pragma: no cover
        raise ValueError(which)
    return type(right)(expr, right.sizes, right.arrays, blocks=right.blocks)


@pytest.mark.parametrize("which", ["right", "no 1/n", "p_ic - delta_jc", "delta_jc = 1"])
def test_a_wrong_softmax_hessian_block_fails_the_proof(which: str) -> None:
    from lrbook.symbolic import newton_derivation

    d = newton_derivation()
    step = d.step("softmax_blocks")
    general = _softmax_block_variant(which)
    check = Derivation(
        "demo",
        "demo",
        [claim("block (j, c)", step.lhs, general.symbol, given=step.given)],
        defs={**d.defs, general.symbol: general},
    )
    if which == "right":
        assert check.verify()
    else:
        with pytest.raises(DerivationError, match="step 0"):
            check.verify()


def test_a_block_form_is_instantiated_block_by_block() -> None:
    from lrbook.symbolic.derivations.newton import _BlockGeneral

    K = size_symbols("K")[0]
    j, c = sp.symbols("j c", integer=True)
    a = sp.IndexedBase("a")
    entries = sp.Matrix(2, 2, sp.symbols("a11 a12 a21 a22"))
    # block (j, c) is the 1 x 1 number a_jc + delta_jc: the instance is the 2 x 2 matrix
    form = _BlockGeneral(
        a[j, c] + sp.KroneckerDelta(j, c), {K: 2}, {a: entries}, blocks=((j, K), (c, K))
    )
    assert form.instance() == sp.ImmutableMatrix(entries + sp.eye(2))


def test_a_wrong_general_quadratic_form_fails_the_newton_proof() -> None:
    from lrbook.symbolic import newton_derivation

    d = newton_derivation()
    quad = d.step("quadratic form")
    (form,) = [g for s, g in d.generals.items() if s == quad.rhs]
    # forgetting the square of x_i^T v: the displayed sum is no longer the quadratic form
    summand, limits = form.expr.args[0], form.expr.args[1:]
    weight, square = summand.args
    wrong = General(sp.Sum(weight * square.base, *limits), form.sizes, form.arrays)
    bad = Derivation(
        "bad",
        "bad",
        [claim("quadratic form", quad.lhs, wrong.symbol)],
        defs={**d.defs, wrong.symbol: wrong},
    )
    with pytest.raises(DerivationError, match="quadratic form"):
        bad.verify()


# -- chapter 10: the hidden delta in a textbook's order; readable proved instances ----------
MLP_STEPS = ["delta2", "delta_hidden", "grad_W2", "grad_b2", "grad_W1", "grad_b1"]
MLP_FORWARD = ["forward_z1", "forward_a1", "forward_z2", "forward_output"]
HIDDEN_DELTA = (
    r"\left({W^{(2)}} {\boldsymbol{\delta}^{(2)}}\right) \odot \mathbf{a}^{(1)} \odot "
    r"\left(\mathbf{1} - \mathbf{a}^{(1)}\right)"
)


def test_hadamard_product_prints_as_odot() -> None:
    a = sp.MatrixSymbol("a", n, 1)
    shown = general_latex(sp.HadamardProduct(a, sp.MatAdd(sp.OneMatrix(n, 1), -a)))
    assert shown == r"a \odot \left(\mathbf{1} - a\right)"


@pytest.mark.parametrize("name", ["mlp_sigmoid_derivation", "mlp_softmax_derivation"])
def test_hidden_delta_displays_in_textbook_order(name: str) -> None:
    import lrbook.symbolic as S

    d = getattr(S, name)()
    shown = d.latex(steps=MLP_STEPS)
    assert HIDDEN_DELTA in shown
    assert (
        "(W^{(2)} \\boldsymbol{\\delta}^{(2)})_j" not in shown
    )  # the kernel's form is not displayed
    # the kernel is still printed from its own proved step
    assert str(d.step("mlp_delta_hidden").rhs) == "a*back*(1 - a)"


@pytest.mark.parametrize("name", ["mlp_sigmoid_derivation", "mlp_softmax_derivation"])
def test_hidden_delta_without_the_sigmoid_slope_fails_the_proof(name: str) -> None:
    import lrbook.symbolic as S

    d = getattr(S, name)()
    step = d.step("delta_hidden")
    right = d.generals[step.rhs]
    back = right.expr.args[0]  # W^(2) delta^(2), without a^(1) (1 - a^(1))
    wrong = General(back, right.sizes, right.arrays)
    check = Derivation(
        "demo",
        "demo",
        [claim("hidden delta", step.lhs, wrong.symbol, given=step.given)],
        defs={**d.defs, wrong.symbol: wrong},
    )
    with pytest.raises(DerivationError, match="step 0"):
        check.verify()


@pytest.mark.parametrize("name", ["mlp_sigmoid_derivation", "mlp_softmax_derivation"])
def test_backprop_instance_is_printed_with_named_activations(name: str) -> None:
    import lrbook.symbolic as S

    d = getattr(S, name)()
    instance = d.latex(steps=MLP_STEPS, form="instance")
    forward = d.latex(steps=MLP_FORWARD, form="instance")
    assert "a^{(1)}_{1}" in instance
    assert r"\sigma\left(b" not in instance  # no nested sigmoids of the weights
    # the names are defined by the forward pass, printed from the same definitions
    assert r"\sigma\left(z^{(1)}_{1}\right)" in forward
    assert "b^{(1)}_1 + w^{(1)}_{11} x_{1} + w^{(1)}_{21} x_{2}" in forward
    assert len(instance) < 5000, len(instance)


def test_bce_instance_names_the_logits_and_defines_them() -> None:
    d = bce_derivation()
    steps = [d.index("grad_mean") - 1, "grad_mean", "grad_intercept"]
    instance = d.latex(steps=steps, form="instance")
    assert r"\sigma\left(z_{1}\right)" in instance
    assert r"\sigma\left(b" not in instance
    names = d.generals[d.step("grad_mean").rhs].names_latex()
    assert r"z_{1} &= b + w_{1} x_{11} + w_{2} x_{12}" in names
    assert names.startswith(r"\begin{aligned}")
    assert names.count(r"\\") == 2


def test_an_abbreviation_the_derivation_does_not_define_fails_the_proof() -> None:
    x1, x2 = sp.symbols("x1 x2")
    x = sp.IndexedBase("x")
    total = sp.Symbol("T")
    s = sp.Symbol("s")
    named = General(sp.Sum(x[i], (i, 1, n)) ** 2, {n: 2}, {x: [x1, x2]}, names={x1 + x2: s})
    assert named.instance() == s**2
    assert named.names_latex() == "\\begin{aligned}\ns &= x_{1} + x_{2}\n\\end{aligned}"
    assert General(x1).names_latex() == ""
    for defs, holds in (({s: x1 + x2}, True), ({}, False)):
        d = Derivation(
            "demo",
            "demo",
            [claim("square", total, named.symbol)],
            defs={total: (x1 + x2) ** 2, named.symbol: named, **defs},
        )
        if holds:
            assert d.verify()
        else:
            with pytest.raises(DerivationError, match="step 0"):
                d.verify()
