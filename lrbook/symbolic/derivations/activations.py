"""Activations: the opaque functions' derivatives, the sigmoid's and tanh's derivatives."""

from __future__ import annotations

import functools
from typing import Any

import sympy as sp

from lrbook.symbolic.core import Derivation, DerivationError, chain, claim
from lrbook.symbolic.derivations._symbols import a, grad, syms, z
from lrbook.symbolic.functions import Tex, log_sigmoid, logsumexp, raw, sigmoid, softmax, softplus
from lrbook.symbolic.general import General, product, terms

__all__ = ["opaque_functions_derivation", "sigmoid_derivation", "tanh_derivation"]


@functools.cache
def opaque_functions_derivation() -> Derivation:
    """The opaque functions' derivatives (``fdiff``) equal the derivatives of their raw forms.

    Every other derivation may differentiate opaque functions symbolically;
    this one proves, in the raw exponential form only, that doing so is right.

    Examples
    --------
    >>> str(opaque_functions_derivation().verify()).splitlines()[0]
    'opaque_functions: 6 steps verified'
    """
    zs = syms("z{}", 3)
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
            grad(raw(lse), zs),
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


def _shown(expr: sp.Expr, defs: dict[Tex, General]) -> Tex:
    """``expr`` displayed with its terms in the order written (a textbook's order).

    SymPy sorts terms (``e^{-z} + 1``); a :class:`General` prints them as written and the
    proof substitutes the evaluated expression, so the display cannot drift from it.
    """
    shown = General(expr)
    defs[shown.symbol] = shown
    return shown.symbol


@functools.cache
def sigmoid_derivation() -> Derivation:
    r"""The sigmoid's derivative :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))`, from the definition.

    Proved in the raw form only (it derives the rule the opaque ``sigmoid``
    uses).  The chain ends at ``sigma_prime``; the symmetry
    :math:`1 - \sigma(z) = \sigma(-z)` (``symmetry``) is stated before the derivative is
    written with it (``sigma_prime_symmetric``); last, the form the kernel uses
    (``sigmoid_dz_from_output``, step 8, kernel ``a*(1 - a)``).  Terms are
    shown in a textbook's order (``1 + e^{-z}``).

    Examples
    --------
    >>> d = sigmoid_derivation()
    >>> d.step("sigmoid_dz_from_output").rhs
    a*(1 - a)
    >>> d.step_latex(0)
    '\\sigma\\left(z\\right) = \\frac{1}{1 + e^{- z}}'
    """
    e = sp.exp(-z)
    d = terms(1, e)
    dsig = Tex(r"\sigma'(z)")
    defs: dict[Any, Any] = {dsig: sp.Derivative(sigmoid(z), z)}
    steps = [
        claim("definition", sigmoid(z), _shown(1 / d, defs)),
        claim("differentiate the definition", dsig, _shown(sp.Derivative(1 / d, z), defs)),
        chain("chain rule", _shown(e / d**2, defs)),
        chain("split the fraction", _shown(product(1 / d, e / d), defs)),
        chain(
            r"$\frac{e^{-z}}{1 + e^{-z}} = 1 - \frac{1}{1 + e^{-z}}$",
            _shown(product(1 / d, terms(1, -1 / d)), defs),
        ),
        chain(
            r"recognise $\sigma(z)$",
            _shown(product(sigmoid(z), terms(1, -sigmoid(z))), defs),
            tag="sigma_prime",
        ),
        claim("symmetry", _shown(terms(1, -sigmoid(z)), defs), sigmoid(-z), tag="symmetry"),
        claim(
            "with the symmetry",
            dsig,
            _shown(product(sigmoid(z), sigmoid(-z)), defs),
            tag="sigma_prime_symmetric",
        ),
        claim(
            r"in terms of the output $a = \sigma(z)$",
            dsig,
            a * (1 - a),
            given={a: sigmoid(z)},
            tag="sigmoid_dz_from_output",
            note="Backpropagation stores the activation a, so the kernel takes a, not z.",
        ),
    ]
    return Derivation("sigmoid", "The sigmoid and its derivative", steps, defs=defs, raw_only=True)


@functools.cache
def tanh_derivation() -> Derivation:
    r"""The derivative of tanh, :math:`\tanh'(z) = 1 - \tanh^2(z)`.

    Tags: ``tanh_dz_from_output`` (kernel ``1 - a**2``).  Terms are shown in a textbook's
    order (``e^{z} - e^{-z}``).

    Examples
    --------
    >>> tanh_derivation().step("tanh_dz_from_output").rhs
    1 - a**2
    """
    ep, em = sp.exp(z), sp.exp(-z)
    num, den = terms(ep, -em), terms(ep, em)
    dtanh = Tex(r"\tanh'(z)")
    defs: dict[Any, Any] = {dtanh: sp.Derivative(sp.tanh(z), z)}
    steps = [
        claim("definition", sp.tanh(z), _shown(num / den, defs)),
        claim("differentiate the definition", dtanh, _shown(sp.Derivative(num / den, z), defs)),
        chain("quotient rule", _shown(terms(den**2, -(num**2)) / den**2, defs)),
        chain("split the fraction", _shown(terms(1, -(num**2) / den**2), defs)),
        chain(r"recognise $\tanh(z)$", _shown(terms(1, -(sp.tanh(z) ** 2)), defs)),
        claim(
            r"in terms of the output $a = \tanh(z)$",
            dtanh,
            1 - a**2,
            given={a: sp.tanh(z)},
            tag="tanh_dz_from_output",
        ),
        claim(
            "relation to the sigmoid",
            sp.tanh(z),
            _shown(terms(2 * sigmoid(2 * z), -1), defs),
        ),
    ]
    return Derivation(
        "tanh", "The tanh activation and its derivative", steps, defs=defs, raw_only=True
    )
