"""Tests for lrbook.symbolic: every derivation verifies, wrong steps are caught, rendering works."""

from __future__ import annotations

import re

import mpmath
import numpy as np
import pytest
import sympy as sp

from lrbook import symbolic as S
from lrbook.symbolic import (
    DERIVATIONS,
    KERNELS,
    Derivation,
    DerivationError,
    Step,
    chain,
    claim,
    expand_components,
    get_derivation,
    kernel_reference,
    log_sigmoid,
    log_softmax,
    logsumexp,
    raw,
    rowsum,
    sigmoid,
    softmax,
    softplus,
)
from lrbook.symbolic.functions import log1p, rest, shifted

z = sp.Symbol("z", real=True)
ZS = sp.symbols("z1 z2 z3", real=True)


# -- every derivation verifies -------------------------------------------------------------


# how the prover can establish a step (VerificationReport.methods)
PROOF_METHODS = re.compile(
    r"identical|evaluates to 0|cancel|expand_log \+ cancel|zero gradient and zero at the origin"
    r"|simplify|equals\(0\)|algebra of the opaque functions"
    r"|sign \((nonnegative|positive|nonpositive|negative)\)|Taylor series in \w+ to order \w+\*\*\d+"
)


@pytest.mark.parametrize("name", list(DERIVATIONS))
def test_every_derivation_verifies_step_by_step(name: str) -> None:
    d = get_derivation(name)
    report = d.verify()
    assert report.name == name
    # one entry per step, in order, each naming a proof method
    assert [label for label, _ in report.methods] == [s.label for s in d.steps]
    for label, how in report.methods:
        assert PROOF_METHODS.fullmatch(how), (label, how)
    lines = str(report).splitlines()
    assert lines[0] == f"{name}: {len(d.steps)} steps verified"
    assert lines[1:] == [
        f"  [{i}] {s.label}: {h}"
        for i, (s, (_, h)) in enumerate(zip(d.steps, report.methods, strict=True))
    ]


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "convexity", "linear_regression"])
def test_raw_mode_proves_without_the_opaque_derivatives(name: str) -> None:
    report = get_derivation(name).verify(mode="raw")
    assert "algebra of the opaque functions" not in {how for _, how in report.methods}


def test_factories_are_cached_but_verify_really_runs() -> None:
    d = S.sigmoid_derivation()
    assert S.sigmoid_derivation() is d
    original = d.step("sigma_prime").rhs
    bad = d.replace_step("sigma_prime", rhs=sigmoid(z) * (1 + sigmoid(z)))
    assert d.step("sigma_prime").rhs == original  # the original is unchanged
    assert len(d.verify().methods) == len(d)
    with pytest.raises(DerivationError, match=r"^sigmoid: step 5 \(recognise"):
        bad.verify()


# -- wrong steps are caught and named -------------------------------------------------------


def _expect_failure(d: Derivation, label_fragment: str) -> str:
    with pytest.raises(DerivationError) as info:
        d.verify()
    msg = str(info.value)
    assert label_fragment in msg, msg
    return msg


def test_wrong_sigmoid_derivative_is_caught() -> None:
    d = S.sigmoid_derivation().replace_step("sigma_prime", rhs=sigmoid(z) * (1 + sigmoid(z)))
    msg = _expect_failure(d, "recognise")
    assert msg.startswith("sigmoid: step 5")


def test_wrong_kernel_form_of_sigmoid_derivative_is_caught() -> None:
    a = sp.Symbol("a", real=True)
    d = S.sigmoid_derivation().replace_step("sigmoid_dz_from_output", rhs=a * (1 + a))
    _expect_failure(d, "in terms of the output")


def test_hidden_delta_without_activation_derivative_is_caught() -> None:
    d = S.mlp_sigmoid_derivation().replace_step("mlp_delta_hidden", rhs=S.back)
    _expect_failure(d, "hidden deltas")


def test_softmax_variant_hidden_delta_without_activation_derivative_is_caught() -> None:
    d = S.mlp_softmax_derivation().replace_step("mlp_delta_hidden", rhs=S.back * S.a)
    _expect_failure(d, "hidden deltas")


def test_wrong_sign_in_bce_gradient_is_caught() -> None:
    d = S.bce_derivation().replace_step("dL_dz", rhs=S.y - sigmoid(z))
    _expect_failure(d, "hat{y} = \\sigma(z)")


def test_bce_loss_kernel_only_claimed_for_hard_labels() -> None:
    # softplus((1 - 2y) z) is not the cross-entropy for soft labels: dropping the case split fails.
    d = S.bce_derivation().replace_step("bce_loss", given=None)
    _expect_failure(d, "for labels")


def test_wrong_softmax_jacobian_is_caught_in_one_case() -> None:
    d = S.softmax_derivation().replace_step("softmax_jacobian", rhs=S.p_j * (S.delta_jc + S.p_c))
    msg = _expect_failure(d, "Jacobian")
    assert "in case" in msg


def test_ce_gradient_needs_labels_summing_to_one() -> None:
    d = S.softmax_derivation().replace_step("one-hot labels: $\\sum_j y_j = 1$", given=None)
    _expect_failure(d, "one-hot labels")


def test_ce_gradient_kernel_is_proved_per_label_pattern() -> None:
    # the kernel is checked against p - y with each label 0 or positive; without the
    # cases the one-hot step's y_3 = 1 - y_1 - y_2 meets a free y_3
    d = S.softmax_derivation().replace_step("ce_dz", given=None)
    _expect_failure(d, "as the kernel computes it")
    E = sp.exp(shifted(S.Z))
    r = rest(E)
    # (E - Y) / (1 + r) is not p - y: the Y r of the numerator left out
    msg = _expect_failure(
        S.softmax_derivation().replace_step("ce_dz", rhs=(E - S.Y) / (r + 1)), "kernel"
    )
    assert "in case" in msg
    # rest(E) is rowsum(E) - 1: with rowsum(E) in its place the gradient is wrong
    bad = (E - S.Y - S.Y * rowsum(E)) / (rowsum(E) + 1)
    _expect_failure(S.softmax_derivation().replace_step("ce_dz", rhs=bad), "kernel")


def test_ce_loss_kernel_is_checked() -> None:
    E = sp.exp(shifted(S.Z))
    # the shift must come back: log1p(r) - Z is off by max Z
    bad = rowsum(S.Y * sp.Piecewise((log1p(rest(E)) - S.Z, S.Y > 0), (0, True)))
    _expect_failure(S.softmax_derivation().replace_step("ce_loss", rhs=bad), "loss kernel")
    # log(r) is not log(1 + r)
    bad = rowsum(S.Y * sp.Piecewise((sp.log(rest(E)) - shifted(S.Z), S.Y > 0), (0, True)))
    _expect_failure(S.softmax_derivation().replace_step("ce_loss", rhs=bad), "loss kernel")


def test_ce_kernels_share_one_exponential() -> None:
    # codegen's common subexpressions: exp(shifted(Z)) and its rest once for both outputs
    expr = KERNELS["ce_loss_dz"].expr
    assert expr.atoms(sp.exp) == {sp.exp(shifted(S.Z))}
    replacements, (outputs,) = sp.cse(expr)
    assert [type(v) for _, v in replacements].count(sp.exp) == 1
    assert not outputs.has(sp.exp)


def test_bce_dz_kernel_only_claimed_for_hard_labels() -> None:
    # (1 - 2y) sigma((1 - 2y) z) is sigma(z) - y only for y in {0, 1}
    d = S.bce_derivation().replace_step("bce_dz", given=None)
    _expect_failure(d, "stable form")


def test_bce_d2z_single_exponential_form_is_checked() -> None:
    d = S.convexity_derivation()
    step = d.step("bce_d2z_exp")
    assert step.rhs.has(sp.Abs)
    assert len(step.cases) == 2  # z = u and z = -u with u >= 0: Abs resolves in each
    wrong = sp.exp(-sp.Abs(z)) / (1 + sp.exp(-sp.Abs(z)))
    msg = _expect_failure(d.replace_step("bce_d2z_exp", rhs=wrong), "one exponential")
    assert "in case" in msg


def test_bernoulli_likelihood_is_checked_and_matches_the_bce_loss() -> None:
    d = S.bernoulli_nll_derivation()
    # the per-example negative log-likelihood is exactly the loss bce_derivation starts from
    assert d.step("nll_one").rhs == S.bce_derivation().step(0).rhs
    bern = d.step("bernoulli")
    swapped = bern.rhs.xreplace({S.y: 1 - S.y})
    msg = _expect_failure(d.replace_step("bernoulli", rhs=swapped), "Bernoulli")
    assert "in case" in msg
    # the product form only holds once each label is 0 or 1
    _expect_failure(d.replace_step("likelihood", given=None), "independent samples")
    # the log of a product is the sum of the logs, not the log of the sum
    nll_sum = d.step("nll_sum")
    _expect_failure(d.replace_step("nll_sum", rhs=2 * nll_sum.rhs), "sum of the logs")
    tex = d.latex()
    assert r"\hat{y}^{y} \left(1 - \hat{y}\right)^{1 - y}" in tex
    assert r"\prod_{i=1}^{n}" in tex


def test_finite_difference_errors_follow_from_taylor_series() -> None:
    d = S.finite_difference_derivation()
    assert d is get_derivation("finite_difference")
    report = d.verify()
    orders = [how for _, how in report.methods]
    assert orders.count("Taylor series in h to order h**5") == 2  # the two expansions
    assert orders.count("Taylor series in h to order h**4") == 1  # the central error
    # the identities are stated before the steps that use them
    tags = [step.tag for step in d.steps]
    assert tags.index("taylor_minus") < tags.index("central_error")
    assert tags.index("taylor") < tags.index("forward_insert")
    h = sp.Symbol("h", positive=True)
    fwd = d.defs[d.step("forward_error").rhs]
    cen = d.defs[d.step("central_error").rhs]
    assert fwd.getO() == sp.Order(h**2)
    assert cen.getO() == sp.Order(h**4)
    # the leading terms are those of SymPy's own series of the quotients
    x = sp.Symbol("x", real=True)
    f = sp.Function("f", real=True)
    primes = {S.Tex("f" + "'" * k + "(x)"): f(x).diff(x, k) for k in (1, 2, 3)}
    for shown, quotient, n in (
        (fwd, (f(x + h) - f(x)) / h, 2),
        (cen, (f(x + h) - f(x - h)) / (2 * h), 4),
    ):
        series = sp.series(quotient, h, 0, n).removeO().doit() - f(x).diff(x)
        assert sp.simplify(series - shown.removeO().xreplace(primes)) == 0
    # printed in the order a textbook writes it, from the same objects
    assert d.step_latex("forward_error") == (
        r"D_h^{+} f(x) - f'(x) = \frac{h f''(x)}{2} + O\left(h^{2}\right)"
    )
    assert d.step_latex("taylor_minus") == (
        r"f{\left(x - h \right)} = f{\left(x \right)} - h f'(x) + \frac{h^{2} f''(x)}{2} "
        r"- \frac{h^{3} f'''(x)}{6} + \frac{h^{4} f^{(4)}(x)}{24} + O\left(h^{5}\right)"
    )
    assert r"\frac{f{\left(x + h \right)} - f{\left(x - h \right)}}{2 h}" in d.step_latex("central")


def test_wrong_finite_difference_orders_are_caught() -> None:
    d = S.finite_difference_derivation()
    h = sp.Symbol("h", positive=True)
    fwd = d.defs[d.step("forward_error").rhs]
    # wrong coefficient of the leading term
    _expect_failure(d.replace_step("forward_error", rhs=2 * fwd), "order $h$")
    # claiming one order too many: the central error has an h**4 term
    cen = d.defs[d.step("central_error").rhs].removeO()
    msg = _expect_failure(d.replace_step("central_error", rhs=cen + sp.Order(h**5)), "even terms")
    assert "O(h**5)" in msg
    # Taylor expansions that stop a term early, or get a sign wrong
    x = sp.Symbol("x", real=True)
    f = sp.Function("f", real=True)
    early = f(x) + h * S.Tex("f'(x)") + sp.Order(h**3)
    _expect_failure(d.replace_step("taylor", rhs=early), "Taylor")
    plus = d.defs[d.step("taylor").rhs]
    _expect_failure(d.replace_step("taylor_minus", rhs=plus), "step $-h$")


def test_order_steps_need_a_power_of_one_variable() -> None:
    h, t = sp.symbols("h t", positive=True)
    d = Derivation("demo", "Demo", [claim("two variables", sp.exp(h * t), 1 + sp.Order(h * t))])
    with pytest.raises(DerivationError, match="two variables"):
        d.verify()
    ok = Derivation("demo", "Demo", [claim("exp", sp.exp(h), 1 + h + sp.Order(h**2))])
    assert ok.verify().methods == [("exp", "Taylor series in h to order h**2")]


def test_expm1_rewrites_prints_and_differentiates() -> None:
    x = sp.Symbol("x", real=True)
    assert raw(S.expm1(x)) == sp.exp(x) - 1
    assert S.expm1(x).diff(x) == sp.exp(x)
    assert sp.latex(S.expm1(x)) == r"\operatorname{\mathrm{expm1}}\left(x\right)"
    assert float(S.expm1(sp.Float("1e-20", 30))) == 1e-20


def test_wrong_inequality_is_caught() -> None:
    d = S.convexity_derivation().replace_step("bce_d2z", rhs=sigmoid(z) * sigmoid(z))
    _expect_failure(d, "sigma(-z)")
    bad_sign = claim("negative", sigmoid(z) * sigmoid(-z), 0, rel="<")
    with pytest.raises(DerivationError, match="negative"):
        Derivation("demo", "Demo", [bad_sign]).verify()


@pytest.mark.parametrize(
    ("weak", "strict", "expr"),
    [(">=", ">", z**2), ("<=", "<", -(z**2)), (">=", ">", (sigmoid(z) - sp.Rational(1, 2)) ** 2)],
)
def test_strict_inequality_that_holds_only_as_weak_is_rejected(weak, strict, expr) -> None:
    # expr is 0 at z = 0: the weak claim holds, the strict one is false at that point
    ok = Derivation("demo", "Demo", [claim("weak", expr, 0, rel=weak)]).verify()
    assert ok.methods[0][1] in ("sign (nonnegative)", "sign (nonpositive)")
    bad = Derivation("demo", "Demo", [claim("zero at z = 0", expr, 0, rel=strict)])
    with pytest.raises(DerivationError, match=r"^demo: step 0 \(zero at z = 0\) does not hold"):
        bad.verify()


@pytest.mark.parametrize(
    ("name", "key"),
    [("linear_regression", "positive semidefinite: the SSE is convex"), ("newton", "psd")],
)
def test_semidefinite_claims_cannot_be_made_strict(name: str, key: str) -> None:
    # v^T H v is 0 at v = 0: "> 0" (positive definite) must not be proved
    d = get_derivation(name)
    assert d.step(key).rel == ">="
    _expect_failure(d.replace_step(key, rel=">"), d.step(key).label)


def test_wrong_normal_equation_is_caught() -> None:
    d = S.linear_regression_derivation().replace_step("sse_dz", rhs=2 * (S.y - z))
    _expect_failure(d, "its derivative")


def test_wrong_newton_hessian_is_caught() -> None:
    d = S.newton_derivation()
    H = d.step("hessian")
    bad = d.replace_step("hessian", rhs=2 * H.rhs)
    _expect_failure(bad, "Hessian of the logistic loss")


def test_chain_step_is_compared_with_the_previous_right_hand_side() -> None:
    good = Derivation(
        "demo",
        "Demo",
        [
            claim("start", sp.Derivative(softplus(z), z), sigmoid(z)),
            chain("symmetry", 1 - sigmoid(-z)),
        ],
    )
    assert good.verify().methods == [
        ("start", "algebra of the opaque functions"),
        ("symmetry", "cancel"),
    ]
    assert good.steps[1].lhs == good.steps[0].lhs
    bad = good.replace_step(1, rhs=sigmoid(-z))
    with pytest.raises(DerivationError, match=r"step 1 \(symmetry\)"):
        bad.verify()


# -- construction errors ---------------------------------------------------------------------


def test_step_and_derivation_validation() -> None:
    with pytest.raises(ValueError, match="kind"):
        Step("x", z, z, kind="other")
    with pytest.raises(ValueError, match="rel"):
        Step("x", z, z, rel="!=")
    with pytest.raises(ValueError, match="chain step must be an equality"):
        Step("x", None, z, kind="chain", rel=">=")
    with pytest.raises(ValueError, match="start with a claim"):
        Derivation("demo", "Demo", [chain("first", z)])
    with pytest.raises(ValueError, match="at least one step"):
        Derivation("demo", "Demo", [])
    with pytest.raises(KeyError, match="unknown derivation 'nope'"):
        get_derivation("nope")
    with pytest.raises(KeyError, match="no step 'nope'"):
        S.bce_derivation().step("nope")
    with pytest.raises(ValueError, match="mode"):
        S.sigmoid_derivation().verify(mode="fast")
    with pytest.raises(ValueError, match="component index"):
        softmax(0, *ZS)
    with pytest.raises(ValueError, match="same length"):
        expand_components(rowsum(S.Y), {S.Y: ZS, S.Z: ZS[:2]})


# -- opaque functions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "textbook"),
    [
        (sigmoid, 1 / (1 + sp.exp(-z))),
        (log_sigmoid, -sp.log(1 + sp.exp(-z))),
        (softplus, sp.log(1 + sp.exp(z))),
    ],
)
def test_opaque_scalar_functions_rewrite_and_differentiate(f, textbook) -> None:
    assert sp.simplify(raw(f(z)) - textbook) == 0
    fdiff = f(z).diff(z)  # in opaque form
    assert not fdiff.has(sp.exp)
    assert sp.simplify(raw(fdiff) - sp.diff(textbook, z)) == 0


def test_opaque_vector_functions_rewrite_and_differentiate() -> None:
    lse = logsumexp(*ZS)
    textbook = sp.log(sum(sp.exp(v) for v in ZS))
    assert raw(lse) == textbook
    for j in range(3):
        pj = softmax(j + 1, *ZS)
        assert sp.simplify(raw(lse.diff(ZS[j])) - sp.diff(textbook, ZS[j])) == 0
        for c in range(3):
            expected = sp.diff(raw(pj), ZS[c])
            assert sp.simplify(raw(pj.diff(ZS[c])) - expected) == 0


def test_opaque_functions_evaluate_numerically_at_floats() -> None:
    assert abs(float(sigmoid(sp.Float(0.0))) - 0.5) < 1e-15
    assert abs(float(softplus(sp.Float(0.0))) - float(sp.log(2))) < 1e-15
    assert sigmoid(z).func is sigmoid


def test_latex_of_opaque_functions() -> None:
    Z = sp.Symbol("Z")
    assert sp.latex(sigmoid(z)) == r"\sigma\left(z\right)"
    assert sp.latex(log_sigmoid(z)) == r"\log\sigma\left(z\right)"
    assert r"\operatorname{softplus}" in sp.latex(softplus(z))
    assert sp.latex(logsumexp(*ZS)) == r"\operatorname{LSE}\left(z_{1}, z_{2}, z_{3}\right)"
    assert r"\operatorname{softmax}_{2}" in sp.latex(softmax(2, *ZS))
    assert sp.latex(log_softmax(Z)) == r"\log\operatorname{softmax}\left(Z\right)"
    assert sp.latex(sp.exp(shifted(Z))) == r"e^{\tilde{Z}}"
    assert sp.latex(rest(Z)) == r"\operatorname{rest}\left(Z\right)"
    assert sp.latex(sigmoid(z) ** 2) == r"\sigma\left(z\right)^{2}"


def test_expand_components() -> None:
    Y, Z = S.Y, S.Z
    ys = sp.symbols("y1 y2 y3", real=True)
    comps = {Y: ys, Z: ZS}
    assert expand_components(logsumexp(Z) - rowsum(Y * Z), comps) == logsumexp(*ZS) - sum(
        a * b for a, b in zip(ys, ZS, strict=True)
    )
    col = expand_components(log_softmax(Z), comps)
    assert col.shape == (3, 1)
    assert col[1] == ZS[1] - logsumexp(*ZS)
    E = sp.Symbol("E")
    assert expand_components(rest(E), {E: ZS}) == sum(ZS) - 1
    col = expand_components(rest(sp.exp(shifted(Z))), comps)
    assert col == sum(sp.exp(v - sp.Max(*ZS)) for v in ZS) - 1
    col = expand_components(shifted(Z), comps)
    assert col[2] == ZS[2] - sp.Max(*ZS)


# -- rendering --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(DERIVATIONS))
def test_latex_renders(name: str) -> None:
    d = get_derivation(name)
    tex = d.latex()
    assert tex.startswith("\\begin{aligned}\n")
    assert tex.endswith("\n\\end{aligned}")
    assert "$" not in tex
    assert "\n\n" not in tex  # a blank line would split the Sphinx math block
    assert "Traceback" not in tex
    assert tex.count(" \\\\\n") == len(d.steps) - 1
    assert d._repr_latex_() == f"$${tex}$$"
    for i in range(len(d.steps)):
        one = d.step_latex(i)
        assert "&=" not in one
        assert "&&" not in one
        assert one.strip()


def test_latex_content_and_glue_objects() -> None:
    d = S.bce_derivation()
    tex = d.latex()
    assert r"\sigma\left(z\right)" in tex
    assert r"\operatorname{softplus}" in tex
    assert r"\frac{\partial L}{\partial z}" in tex
    assert r"\text{chain rule}" in tex
    # continuation rows of a chain start with '&='; labels go on a row below the step
    assert "\n &= \\hat{y} - y \\\\[-0.5ex]\n&\\phantom{=}\\quad {\\small " in tex
    assert "&&" not in tex
    right = d.latex(annotate="right")
    assert "\n &= \\hat{y} - y &&\\quad " in right
    assert right.count(" \\\\\n") == len(d.steps) - 1
    part = d.latex(steps=["dL_dz", "bce_dz"], annotate=False)
    assert "&&" not in part
    assert part.count("\\frac{\\partial L}{\\partial z} &=") == 1
    m = d.math(["dL_dz", "bce_dz"])
    assert m._repr_latex_() == f"$${d.latex(steps=['dL_dz', 'bce_dz'])}$$"
    bundle = m._repr_mimebundle_()
    assert bundle["text/latex"].startswith("$$\\begin{aligned}")
    assert S.sigmoid_derivation().math("sigmoid_dz_from_output")._repr_latex_() == (
        r"$$\sigma'(z) = a \left(1 - a\right)$$"
    )
    assert "softmax" in repr(S.softmax_derivation())


def test_annotation_placement() -> None:
    d = S.sigmoid_derivation()
    below, right, none = (d.latex(annotate=a) for a in ("below", "right", False))
    assert d.latex() == below == d.latex(annotate=True)
    assert below.count(r"\quad {\small ") == len(d.steps)
    assert "&&" not in below
    assert right.count(r"&&\quad") == len(d.steps)
    assert r"\text{" not in none
    assert none.count(" \\\\\n") == len(d.steps) - 1
    # the 'below' layout is narrower: no row carries an equation and its label
    assert max(map(len, below.splitlines())) < max(map(len, right.splitlines()))
    assert r"\text{definition}" not in repr(d.math([0, 1], annotate=False))
    assert r"\text{definition}" in repr(d.math(0, annotate=True))
    with pytest.raises(ValueError, match="annotate must be"):
        d.latex(annotate="left")


def test_latex_math_repr_is_its_latex() -> None:
    d = S.softmax_derivation()
    m = d.math(["shift", "lse_shift"])
    assert repr(m) == m.latex == d.latex(steps=["shift", "lse_shift"])
    assert m._repr_mimebundle_() == {"text/latex": f"$${m.latex}$$", "text/plain": repr(m)}
    # a recomputed object equals the glued one (what the book checks compare)
    assert m == S.softmax_derivation().math(["shift", "lse_shift"])
    assert m != d.math(["shift"])
    assert len({m, d.math(["shift", "lse_shift"])}) == 1


def test_label_math_and_escaping() -> None:
    d = Derivation("demo", "Demo", [claim("50% of a_b & $x^2$", z, z)])
    tex = d.latex()
    assert r"\text{50\% of a\_b \& } x^2" in tex


# -- kernels are tied to verified steps ----------------------------------------------------------

SPEC_KERNELS = {
    "bce_loss": ("y", "z"),
    "bce_dz": ("y", "z"),
    "bce_loss_dz": ("y", "z"),
    "bce_d2z": ("z",),
    "ce_loss": ("Y", "Z"),
    "ce_dz": ("Y", "Z"),
    "ce_loss_dz": ("Y", "Z"),
    "softmax_jacobian": ("p_j", "p_c", "delta_jc"),
    "sse_loss": ("y", "z"),
    "sse_dz": ("y", "z"),
    "sigmoid_dz_from_output": ("a",),
    "tanh_dz_from_output": ("a",),
    "mlp_delta_hidden": ("back", "a"),
}


def test_kernel_registry_matches_the_agreed_api() -> None:
    assert list(KERNELS) == list(SPEC_KERNELS)
    for name, args in SPEC_KERNELS.items():
        assert tuple(str(s) for s in KERNELS[name].args) == args


@pytest.mark.parametrize("name", list(SPEC_KERNELS))
def test_kernel_is_the_rhs_of_a_verified_step(name: str) -> None:
    k = KERNELS[name]
    d = k.source
    if k.fused:
        assert k.expr == sp.Tuple(*(st.rhs for st in k.steps))
        with pytest.raises(ValueError, match="fused"):
            _ = k.step
    else:
        assert k.expr is k.step.rhs
    assert k.expr.free_symbols <= set(k.args)
    for tag, step in zip(k.tags, k.steps, strict=True):
        assert step in d.steps
        # Tampering with an output breaks the derivation at exactly that step.
        bad = d.replace_step(tag, rhs=step.rhs + sp.Rational(1, 7))
        with pytest.raises(DerivationError) as info:
            bad.verify()
        assert f"step {d.index(tag)} " in str(info.value)


def test_fused_kernels_are_built_from_verified_steps() -> None:
    bce = KERNELS["bce_loss_dz"]
    assert bce.tags == ("bce_loss_elementary", "bce_dz_elementary")
    # the elementary forms are proved against the textbook loss and its derivative
    d = S.bce_derivation()
    assert bce.steps[0].lhs == d.step(0).lhs
    assert bce.steps[1].lhs == d.step("dL_dz").lhs
    # exp(-|t|) appears in both outputs: the printer can share it
    e = [n for n in sp.preorder_traversal(bce.expr[0]) if isinstance(n, sp.exp)]
    assert e
    assert bce.expr[1].has(e[0])
    ce = KERNELS["ce_loss_dz"]
    assert ce.steps == (KERNELS["ce_loss"].step, KERNELS["ce_dz"].step)
    comp = ce.component(1)
    assert not comp.fused
    assert comp.expr is KERNELS["ce_dz"].expr
    with pytest.raises(ValueError, match="component"):
        ce.raw_expr(2)


def _mp_bce(yv: float, zv: float) -> mpmath.mpf:
    s = 1 / (1 + mpmath.exp(-zv))
    return -yv * mpmath.log(s) - (1 - yv) * mpmath.log(1 - s)


def test_kernel_reference_agrees_with_textbook_formulas() -> None:
    rng = np.random.default_rng(0)
    zs = rng.normal(scale=5, size=6)
    with mpmath.workdps(50):
        for yv in (0.0, 1.0):
            ref = kernel_reference("bce_loss", yv, zs)
            want = [float(_mp_bce(mpmath.mpf(yv), mpmath.mpf(float(v)))) for v in zs]
            np.testing.assert_allclose(ref, want, rtol=1e-14)
            grad = kernel_reference("bce_dz", yv, zs)
            np.testing.assert_allclose(grad, 1 / (1 + np.exp(-zs)) - yv, rtol=1e-12, atol=1e-15)
    Zr = rng.normal(size=(4, 3))
    Yr = np.eye(3)[rng.integers(0, 3, size=4)]
    P = np.exp(Zr) / np.exp(Zr).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(kernel_reference("ce_dz", Yr, Zr), P - Yr, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        kernel_reference("ce_loss", Yr, Zr), -np.log((P * Yr).sum(axis=1)), rtol=1e-12
    )
    assert kernel_reference("bce_loss", 1.0, np.inf) == 0.0
    assert kernel_reference("bce_loss", 0.0, np.inf) == np.inf


def test_kernel_raw_expression_needs_classes_for_vector_kernels() -> None:
    with pytest.raises(ValueError, match="n_classes"):
        KERNELS["ce_loss"].raw_expr()
    args, expr = KERNELS["ce_loss"].raw_expr(2)
    assert [str(s) for s in args] == ["y_1", "y_2", "z_1", "z_2"]
    assert expr.has(sp.log)


def test_symbolic_module_documents_the_kernel_step_tags() -> None:
    for k in KERNELS.values():
        doc = DERIVATIONS[k.derivation].__doc__ or ""
        for tag in k.tags:
            assert re.search(rf"``{tag}``", doc), (k.name, k.derivation, tag)


# -- Fisher information (inference) ------------------------------------------------------------


def _fisher_instance() -> tuple[sp.ImmutableMatrix, list[sp.Symbol], list[sp.Symbol]]:
    """The explicit sample the derivation is proved on: X (3 x 2), weights, labels."""
    X = sp.ImmutableMatrix(3, 2, lambda i, j: sp.Symbol(f"x_{{{i + 1}{j + 1}}}", real=True))
    w = [sp.Symbol(f"w_{j + 1}", real=True) for j in range(2)]
    ys = [sp.Symbol(f"y_{i + 1}", real=True) for i in range(3)]
    return X, w, ys


def test_fisher_information_is_the_hessian_and_does_not_depend_on_the_labels() -> None:
    d = S.fisher_information_derivation()
    assert d is get_derivation("fisher_information")
    assert d in S.all_derivations()
    report = d.verify()
    assert [label for label, _ in report.methods] == [s.label for s in d.steps]
    assert d.step_latex("fisher_information") == r"\mathcal{I}(\mathbf{w}) = X^\top S X"
    assert d.step_latex("covariance") == (
        r"\operatorname{Cov}(\hat{\mathbf{w}}) = \left(X^\top S X\right)^{-1}"
    )
    # the same model and Hessian as Newton's method
    newton = S.newton_derivation()
    assert d.defs[d.step("hessian").lhs] == newton.defs[newton.step("hessian").lhs]
    # the label-free step is proved once per label
    assert len(d.step("label_free").cases) == 3
    for tag in ("hessian", "fisher_information", "psd", "covariance"):
        assert d.step(tag) in d.steps


def test_wrong_fisher_information_steps_are_caught() -> None:
    d = S.fisher_information_derivation()
    X, w, ys = _fisher_instance()
    # forgetting the weights S: X^T X is not the information
    _expect_failure(d.replace_step("fisher_information", rhs=X.T * X), "as matrix products")
    # the score's mean is zero only under the model's own probabilities, not P(y_i = 1) = 1/2
    e_score = d.step("expected_score").lhs
    score = sp.ImmutableMatrix(
        [
            sp.Derivative(
                sum(
                    -ys[i] * sp.log(sigmoid((X.row(i) * sp.Matrix(w))[0]))
                    - (1 - ys[i]) * sp.log(1 - sigmoid((X.row(i) * sp.Matrix(w))[0]))
                    for i in range(3)
                ),
                wj,
            )
            for wj in w
        ]
    )
    uniform = sum(
        (score.xreplace(dict(zip(ys, bits, strict=True))) / 8 for bits in np.ndindex(2, 2, 2)),
        sp.zeros(2, 1),
    )
    msg = _expect_failure(d.replace_step("expected_score", given={e_score: uniform}), "mean zero")
    assert msg.startswith("fisher_information: step 2 ")
    # the information is only semidefinite (v = 0, or collinear rows)
    _expect_failure(d.replace_step("psd", rel=">"), "positive semidefinite")
    # the covariance is the inverse information, not the information
    _expect_failure(d.replace_step("covariance", rhs=d.defs[d.step("hessian").rhs]), "covariance")


def test_fisher_covariance_matches_numpy_on_an_instance() -> None:
    # the proved (X^T S X)^{-1}, evaluated at random numbers, is numpy's inverse of X^T S X
    d = S.fisher_information_derivation()
    X, w, _ = _fisher_instance()
    cov = d.defs[d.step("covariance").rhs]
    f = sp.lambdify([*X, *w], raw(cov), modules="numpy")
    rng = np.random.default_rng(3)
    Xn, wn = rng.normal(size=(3, 2)), rng.normal(size=2)
    p = 1 / (1 + np.exp(-(Xn @ wn)))
    want = np.linalg.inv(Xn.T @ ((p * (1 - p))[:, None] * Xn))
    np.testing.assert_allclose(np.asarray(f(*Xn.ravel(), *wn), dtype=float), want, rtol=1e-10)


# -- package layout ------------------------------------------------------------------------------


def test_symbolic_package_modules_stay_small() -> None:
    from pathlib import Path

    root = Path(S.__file__).parent
    sizes = {
        p.relative_to(root).as_posix(): len(p.read_text().splitlines()) for p in root.rglob("*.py")
    }
    assert {"functions.py", "core.py", "prover.py", "kernels.py", "derivations/_symbols.py"} <= set(
        sizes
    )
    assert max(sizes.values()) <= 600, sizes


def test_kernel_records_take_keywords_only() -> None:
    k = KERNELS["sse_dz"]
    with pytest.raises(TypeError):
        S.Kernel(k.name, k.derivation, k.tag, k.args, k.summary, k.params, k.returns, k.example)
    copy = S.Kernel(
        name=k.name,
        derivation=k.derivation,
        tag=k.tag,
        args=k.args,
        summary=k.summary,
        params=k.params,
        returns=k.returns,
        example=k.example,
    )
    assert copy == k


def test_code_symbol_prints_its_latex_and_keeps_its_code_name() -> None:
    import pickle

    assert str(S.back) == "back"
    assert sp.latex(S.back) == r"(W^{(2)} \boldsymbol{\delta}^{(2)})_j"
    step = S.mlp_sigmoid_derivation().step_latex("mlp_delta_hidden")
    assert step == r"\delta^{(1)}_j = a (W^{(2)} \boldsymbol{\delta}^{(2)})_j \left(1 - a\right)"
    assert str(KERNELS["mlp_delta_hidden"].expr) == "a*back*(1 - a)"
    assert pickle.loads(pickle.dumps(S.back)) == S.back
    # sp.latex without the book's settings leaves every other symbol alone
    assert sp.latex(sp.Symbol("back", real=True)) == r"back"
