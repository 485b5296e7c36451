"""Activations: the opaque functions' derivatives, the sigmoid's and tanh's derivatives."""

from __future__ import annotations

import functools

import sympy as sp

from lrbook.symbolic.core import Derivation, DerivationError, chain, claim
from lrbook.symbolic.derivations._symbols import U, a, grad, syms, z
from lrbook.symbolic.functions import Tex, log_sigmoid, logsumexp, raw, sigmoid, softmax, softplus

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
