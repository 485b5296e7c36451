"""Steps and derivations: the objects the book renders and :mod:`lrbook.symbolic.prover` proves.

A :class:`Derivation` is an ordered list of :class:`Step` objects, each an
equation (or inequality) between SymPy expressions; :meth:`Derivation.verify`
proves every step and :meth:`Derivation.latex` / :meth:`Derivation.math` render
the same objects for the book.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sympy as sp

from lrbook.symbolic.functions import Expr, _map, expand_components, raw
from lrbook.symbolic.general import General, textbook_latex
from lrbook.symbolic.prover import prove_relation

__all__ = [
    "Derivation",
    "DerivationError",
    "LatexMath",
    "Step",
    "VerificationReport",
    "chain",
    "claim",
]

_RELATIONS = {"==": "=", ">=": r"\geq", ">": ">", "<=": r"\leq", "<": "<"}


@dataclass(frozen=True)
class Step:
    r"""One step of a :class:`Derivation`.

    Parameters
    ----------
    label : str
        Short human-readable justification, shown next to the step; inline
        math between ``$`` signs is typeset.  Also used to look the step up.
    lhs : sympy expression or None
        Left-hand side.  ``None`` for a ``"chain"`` step: it continues the
        previous step's equation and :class:`Derivation` fills in its lhs.
    rhs : sympy expression or Matrix
        Right-hand side.
    kind : {"claim", "chain"}, default="claim"
        ``"claim"``: prove ``lhs rel rhs`` on its own.  ``"chain"``: prove
        that ``rhs`` equals the previous step's ``rhs`` (a chain of
        equalities about the same quantity).
    rel : {"==", ">=", ">", "<=", "<"}, default="=="
        Relation of a claim.
    tag : str, default=""
        Machine-readable key (e.g. the name of the kernel this step defines).
    note : str, default=""
        Longer explanation (not rendered in the equation block).
    given : mapping or sequence of mappings, optional
        Substitutions that hold for this step (``{a: sigmoid(z)}``, a
        constraint ``{y3: 1 - y1 - y2}``).  A sequence means "for every case":
        the step is proved once per mapping (labels ``y in {0, 1}``, every
        index pair ``(j, c)``...).
    components : mapping, optional
        Array symbol -> explicit components, for vector-form kernel steps
        (see :func:`expand_components`).

    Examples
    --------
    >>> import sympy as sp
    >>> from lrbook.symbolic import sigmoid
    >>> z = sp.Symbol("z", real=True)
    >>> s = claim("symmetry", 1 - sigmoid(z), sigmoid(-z))
    >>> s.eq
    Eq(1 - sigmoid(z), sigmoid(-z))
    """

    label: str
    lhs: Expr
    rhs: Expr
    kind: str = "claim"
    rel: str = "=="
    tag: str = ""
    note: str = ""
    given: Mapping[Any, Expr] | tuple[Mapping[Any, Expr], ...] | None = None
    components: Mapping[Any, Sequence[Expr]] | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("claim", "chain"):
            raise ValueError(f"kind must be 'claim' or 'chain', got {self.kind!r}")
        if self.rel not in _RELATIONS:
            raise ValueError(f"rel must be one of {sorted(_RELATIONS)}, got {self.rel!r}")
        if self.kind == "chain" and self.rel != "==":
            raise ValueError(f"a chain step must be an equality, got rel={self.rel!r}")

    @property
    def cases(self) -> tuple[Mapping[Any, Expr], ...]:
        """The substitutions to prove the step under (one empty mapping if none)."""
        if self.given is None:
            return ({},)
        if isinstance(self.given, Mapping):
            return (self.given,)
        return tuple(self.given)

    @property
    def eq(self) -> Expr:
        """The step as an unevaluated SymPy relation ``lhs rel rhs``."""
        rel = {"==": sp.Eq, ">=": sp.Ge, ">": sp.Gt, "<=": sp.Le, "<": sp.Lt}[self.rel]
        return rel(self.lhs, self.rhs, evaluate=False)

    def latex(self, *, show_lhs: bool = True, annotate: bool | str = True) -> str:
        r"""LaTeX for this step as row(s) of an ``aligned`` block (``lhs &= rhs``).

        ``annotate`` places the label: ``True`` or ``"below"`` on a row of its own
        under the step, in small type (the block is no wider than its equations);
        ``"right"`` in a column to the right; ``False`` not at all.
        """
        where = _annotation_place(annotate)
        lhs = _latex(self.lhs) if show_lhs and self.lhs is not None else ""
        rel = f"&{_RELATIONS[self.rel]} {_latex(self.rhs)}"
        if where != "below":
            right = rf" &&\quad {_label_latex(self.label)}" if where and self.label else ""
            return f"{lhs} {rel}{right}"
        # TeX comments for the HTML edition (see DERIVATION_MARK); no "$" in them
        parts = " ".join(self.label.split()).split("$")
        why = "".join(rf"\({p}\)" if i % 2 else p for i, p in enumerate(parts))
        row = f"{_STEP_MARK} {why}".rstrip() + "\n" + (f"{lhs}\n" if lhs else "") + f" {rel}"
        below = rf" \\[-0.5ex]{_BELOW}{{\small {_label_latex(self.label)}}}"
        return row + (below if self.label else "")


_BELOW = "\n&\\phantom{=}\\quad "  # annotation row: starts under the step's right-hand side
# TeX comments (LaTeX, MathJax skip them) for the HTML edition (conf.py sets labels beside
# steps): a derivation; a step: "%lrbook:step LABEL" (maths in \( \)), lhs line, " &= rhs"
DERIVATION_MARK = "%lrbook:derivation"
_STEP_MARK = "%lrbook:step"


def _annotation_place(annotate: bool | str) -> str | None:
    """Normalise an ``annotate`` argument to ``"below"``, ``"right"`` or None."""
    places = {True: "below", "below": "below", "right": "right", False: None, None: None}
    if isinstance(annotate, bool | str | None) and annotate in places:
        return places[annotate]
    raise ValueError(f"annotate must be True, False, 'below' or 'right', got annotate={annotate!r}")


def claim(label: str, lhs: Expr, rhs: Expr, **kwargs: Any) -> Step:
    """Build a ``"claim"`` :class:`Step` (``lhs rel rhs`` proved on its own).

    Examples
    --------
    >>> import sympy as sp
    >>> from lrbook.symbolic import sigmoid
    >>> z = sp.Symbol("z", real=True)
    >>> claim("positive", sigmoid(z), 0, rel=">").rel
    '>'
    """
    return Step(label, lhs, rhs, kind="claim", **kwargs)


def chain(label: str, rhs: Expr, **kwargs: Any) -> Step:
    """Build a ``"chain"`` :class:`Step` (``rhs`` equals the previous step's ``rhs``).

    Examples
    --------
    >>> import sympy as sp
    >>> from lrbook.symbolic import sigmoid
    >>> z = sp.Symbol("z", real=True)
    >>> chain("simplify", sigmoid(z)).kind
    'chain'
    """
    return Step(label, None, rhs, kind="chain", **kwargs)


class DerivationError(AssertionError):
    """Raised by :meth:`Derivation.verify` when a step cannot be proved; names the step."""


@dataclass
class VerificationReport:
    """Result of :meth:`Derivation.verify`: how each step was proved.

    ``bool(report)`` is always True: a failed verification raises
    :class:`DerivationError` instead of returning, so ``assert d.verify()`` adds
    nothing to the call.  What a report says is in ``methods``: one
    ``(label, how)`` pair per step, in order.

    Examples
    --------
    >>> from lrbook.symbolic import sigmoid_derivation
    >>> report = sigmoid_derivation().verify()
    >>> report.name, report.ok
    ('sigmoid', True)
    """

    name: str
    methods: list[tuple[str, str]] = field(default_factory=list)
    ok: bool = True

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        lines = [f"{self.name}: {len(self.methods)} steps verified"]
        lines += [f"  [{i}] {label}: {how}" for i, (label, how) in enumerate(self.methods)]
        return "\n".join(lines)


class LatexMath:
    r"""A tiny display object carrying LaTeX, for Jupyter / myst-nb ``glue``.

    ``text/latex`` is the LaTeX between ``$$``; ``text/plain`` and ``repr`` are the
    LaTeX source itself (what myst-nb stores for a glued object, and what a book
    check compares with).

    Examples
    --------
    >>> m = LatexMath(r"\sigma'(z)")
    >>> m._repr_latex_()
    "$$\\sigma'(z)$$"
    >>> print(repr(m))
    \sigma'(z)
    """

    def __init__(self, latex: str) -> None:
        self.latex = latex

    def _repr_latex_(self) -> str:
        return f"$${self.latex}$$"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/latex": self._repr_latex_(), "text/plain": repr(self)}

    def __repr__(self) -> str:
        # The LaTeX source itself: a glued LatexMath stores it as text/plain, so a
        # recomputed object compares equal to the glued one through repr.
        return self.latex

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LatexMath) and other.latex == self.latex

    def __hash__(self) -> int:
        return hash(self.latex)


class Derivation:
    r"""An ordered, verifiable sequence of steps about one topic.

    Parameters
    ----------
    name : str
        Short key (``"bce"``, ``"softmax"``...).
    title : str
        Human-readable title.
    steps : sequence of Step
    defs : mapping, optional
        Meaning of display symbols (:class:`Tex` or plain symbols) used in the
        steps, substituted before proving.  A definition may contain
        unevaluated ``sympy.Derivative`` objects: they are evaluated after
        substitution.  A ``General`` (``lrbook.symbolic.general``) value
        (``{g.symbol: g}``) is a quantity displayed in general symbols
        (:math:`n` samples, :math:`d` features...) and proved at its instance:
        :meth:`math` shows the general form, ``math(form="instance")`` the
        instance the proofs used.
    raw_only : bool, default=False
        Prove every step in the raw exponential form only (no use of the
        opaque functions' ``fdiff``).  Used by the derivations that *derive*
        those derivatives.
    description : str, default=""

    Examples
    --------
    >>> import sympy as sp
    >>> from lrbook.symbolic import sigmoid
    >>> z = sp.Symbol("z", real=True)
    >>> d = Derivation("demo", "Demo", [
    ...     claim("definition", sigmoid(z), 1 / (1 + sp.exp(-z))),
    ...     claim("symmetry", 1 - sigmoid(z), sigmoid(-z)),
    ... ])
    >>> print(d.verify())
    demo: 2 steps verified
      [0] definition: identical
      [1] symmetry: cancel
    >>> print(d.latex(annotate="right"))
    \begin{aligned}
    \sigma\left(z\right) &= \frac{1}{1 + e^{- z}} &&\quad \text{definition} \\
    1 - \sigma\left(z\right) &= \sigma\left(- z\right) &&\quad \text{symmetry}
    \end{aligned}
    >>> print(d.latex(steps=["symmetry"]))  # the label below; %: marks for the HTML
    \begin{aligned}
    %lrbook:derivation
    %lrbook:step symmetry
    1 - \sigma\left(z\right)
     &= \sigma\left(- z\right) \\[-0.5ex]
    &\phantom{=}\quad {\small \text{symmetry}}
    \end{aligned}
    """

    def __init__(
        self,
        name: str,
        title: str,
        steps: Sequence[Step],
        *,
        defs: Mapping[Any, Expr] | None = None,
        raw_only: bool = False,
        description: str = "",
    ) -> None:
        if not steps:
            raise ValueError(f"derivation {name!r} needs at least one step, got none")
        resolved: list[Step] = []
        for i, step in enumerate(steps):
            if step.kind == "chain":
                if not resolved or resolved[-1].rel != "==":
                    raise ValueError(
                        f"step {i} ({step.label!r}) of {name!r} is a chain step but does not "
                        "follow an equality; start with a claim"
                    )
                step = replace(step, lhs=resolved[-1].lhs)
            resolved.append(step)
        self.name = name
        self.title = title
        self.steps: tuple[Step, ...] = tuple(resolved)
        self._given_defs: dict[Any, Any] = dict(defs or {})
        self.generals: dict[Any, General] = {
            k: v for k, v in self._given_defs.items() if isinstance(v, General)
        }
        self.defs: dict[Any, Expr] = {
            k: v.instance() if isinstance(v, General) else v for k, v in self._given_defs.items()
        }
        self.raw_only = raw_only
        self.description = description

    def __repr__(self) -> str:
        return f"<Derivation {self.name!r}: {self.title}, {len(self.steps)} steps>"

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def index(self, key: int | str) -> int:
        """Position of a step given its index, ``tag`` or ``label``."""
        if isinstance(key, int):
            if not -len(self.steps) <= key < len(self.steps):
                raise IndexError(f"step index {key} out of range for {len(self.steps)} steps")
            return key % len(self.steps)
        for i, step in enumerate(self.steps):
            if key in (step.tag, step.label):
                return i
        known = [s.tag or s.label for s in self.steps]
        raise KeyError(f"no step {key!r} in derivation {self.name!r}; known steps: {known}")

    def step(self, key: int | str) -> Step:
        """The step with this index, ``tag`` or ``label``."""
        return self.steps[self.index(key)]

    @property
    def result(self) -> Expr:
        """Right-hand side of the last step."""
        return self.steps[-1].rhs

    def replace_step(self, key: int | str, **changes: Any) -> Derivation:
        """Return a copy with one step changed (e.g. ``rhs=...``), for experiments and tests.

        Examples
        --------
        >>> import sympy as sp
        >>> from lrbook.symbolic import sigmoid_derivation
        >>> d = sigmoid_derivation()
        >>> a = sp.Symbol("a", real=True)
        >>> bad = d.replace_step("sigmoid_dz_from_output", rhs=a * (1 + a))
        >>> try:
        ...     bad.verify()
        ... except DerivationError as err:
        ...     print(str(err).split(" (")[0])
        sigmoid: step 8
        """
        i = self.index(key)
        original = [replace(s, lhs=None) if s.kind == "chain" else s for s in self.steps]
        original[i] = replace(original[i], **changes)
        if original[i].kind == "chain":
            original[i] = replace(original[i], lhs=None)
        options = {key: getattr(self, key) for key in ("raw_only", "description")}
        return Derivation(self.name, self.title, original, defs=self._given_defs, **options)

    # -- proofs ---------------------------------------------------------------

    def verify(self, *, mode: str = "auto") -> VerificationReport:
        """Prove every step with SymPy.

        Parameters
        ----------
        mode : {"auto", "raw"}, default="auto"
            ``"auto"`` first tries the algebra of the opaque functions (whose
            ``fdiff`` are themselves proved in :func:`opaque_functions_derivation`)
            and falls back to the raw exponential form; ``"raw"`` always
            rewrites to the raw form before differentiating.

        Returns
        -------
        VerificationReport
            Truthy; lists how each step was proved.

        Raises
        ------
        DerivationError
            Naming the first step (index and label) that does not hold.
        """
        if mode not in ("auto", "raw"):
            raise ValueError(f"mode must be 'auto' or 'raw', got {mode!r}")
        use_raw = self.raw_only or mode == "raw"
        report = VerificationReport(self.name)
        for i, step in enumerate(self.steps):
            prev = self.steps[i - 1] if step.kind == "chain" else None
            how = None
            for case in step.cases:
                how = self._prove_step(step, prev, case, use_raw)
                if how is None:
                    shown = "" if case == {} else f" in case {dict(case)}"
                    raise DerivationError(
                        f"{self.name}: step {i} ({step.label}) does not hold{shown}\n"
                        f"  {self._describe(step, prev)}"
                    )
            report.methods.append((step.label, how or "identical"))
        return report

    def _describe(self, step: Step, prev: Step | None) -> str:
        if prev is not None:
            return f"claimed {sp.sstr(prev.rhs)}  ==  {sp.sstr(step.rhs)}"
        return f"claimed {sp.sstr(step.lhs)}  {step.rel}  {sp.sstr(step.rhs)}"

    def _prepare(self, expr: Expr, step: Step, case: Mapping[Any, Expr], raw_mode: bool) -> Expr:
        if not isinstance(expr, sp.MatrixBase):
            expr = sp.sympify(expr)
        if step.components:
            expr = expand_components(expr, step.components)
        mapping = {**self.defs, **case}
        for _ in range(10):
            new = _map(expr, lambda e: e.doit(simplify=False))
            new = _subs(new, mapping)
            if raw_mode:
                new = raw(new)
            if new == expr:
                break
            expr = new
        else:  # pragma: no cover - definitions are not cyclic
            raise DerivationError(f"{self.name}: definitions did not settle for {expr}")
        return _map(expr, lambda e: e.doit(simplify=False))

    def _prove_step(
        self, step: Step, prev: Step | None, case: Mapping[Any, Expr], use_raw: bool
    ) -> str | None:
        if prev is not None:
            prev_case = {**(prev.cases[0] if len(prev.cases) == 1 else {}), **case}
            sides = [(prev, prev.rhs, prev_case), (step, step.rhs, case)]
        else:
            sides = [(step, step.lhs, case), (step, step.rhs, case)]
        modes = [True] if use_raw else [False, True]
        for raw_mode in modes:
            left = self._prepare(sides[0][1], sides[0][0], sides[0][2], raw_mode)
            right = self._prepare(sides[1][1], sides[1][0], sides[1][2], raw_mode)
            how = prove_relation(left, right, step.rel, opaque=not raw_mode)
            if how == "disproved":
                return None
            if how is not None:
                return how
        return None

    # -- rendering --------------------------------------------------------------

    def latex(
        self,
        *,
        steps: Sequence[int | str] | None = None,
        annotate: bool | str = True,
        form: str = "general",
    ) -> str:
        r"""All (or some) steps as one ``\begin{aligned} ... \end{aligned}`` block, no ``$$``.

        Parameters
        ----------
        steps : sequence of int or str, optional
            Indices, tags or labels of the steps to show (default: all).
        annotate : bool or {"below", "right"}, default=True
            Where to show each step's label: ``True`` / ``"below"`` on a row of its
            own under the step in small type (the block is as wide as its widest
            equation, so it fits a text column), ``"right"`` in a column on the
            right (wide), ``False`` nowhere.
        form : {"general", "instance"}, default="general"
            ``"general"``: quantities defined by a
            ``General`` (``lrbook.symbolic.general``) are printed in general symbols;
            ``"instance"``: as the explicit instance the proofs used.
        """
        mark = DERIVATION_MARK + "\n" if _annotation_place(annotate) == "below" else ""
        idx = list(range(len(self.steps))) if steps is None else [self.index(k) for k in steps]
        rows = []
        for n, i in enumerate(idx):
            step = self._shown(self.steps[i], form)
            show_lhs = step.kind == "claim" or n == 0 or idx[n - 1] != i - 1
            rows.append(step.latex(show_lhs=show_lhs, annotate=annotate))
        return "\\begin{aligned}\n" + mark + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def _shown(self, step: Step, form: str) -> Step:
        if form not in ("general", "instance"):
            raise ValueError(f"form must be 'general' or 'instance', got {form!r}")
        if form == "general" or not self.generals:
            return step
        inst = {k: self.defs[k] for k in self.generals}
        lhs = None if step.lhs is None else _subs(sp.sympify(step.lhs), inst)
        return replace(step, lhs=lhs, rhs=_subs(sp.sympify(step.rhs), inst))

    def instance_sizes(self, steps: Sequence[int | str] | None = None) -> str:
        """The sizes at which the general forms of these steps were proved (``"n = 3, d = 2"``).

        Empty when the steps use no general form (they are proved in general).
        """
        idx = range(len(self.steps)) if steps is None else [self.index(k) for k in steps]
        sizes: dict[Any, int] = {}
        for i in idx:
            step = self.steps[i]
            sides = [e for e in (step.lhs, step.rhs) if e is not None]
            used = set().union(*(sp.sympify(e).free_symbols for e in sides))
            for symbol, general in self.generals.items():
                if symbol in used:
                    sizes.update(general.sizes)
        return ", ".join(f"{sp.latex(k)} = {v}" for k, v in sorted(sizes.items(), key=str))

    def step_latex(self, key: int | str, *, annotate: bool | str = False) -> str:
        r"""One step as LaTeX (``lhs = rhs``, no alignment characters, no ``$$``).

        Examples
        --------
        >>> from lrbook.symbolic import sigmoid_derivation
        >>> sigmoid_derivation().step_latex("sigmoid_dz_from_output")
        "\\sigma'(z) = a \\left(1 - a\\right)"
        """
        step = self.step(key)
        body = f"{_latex(step.lhs)} {_RELATIONS[step.rel]} {_latex(step.rhs)}"
        if _annotation_place(annotate) and step.label:
            body += rf" \quad {{\small {_label_latex(step.label)}}}"
        return body

    def math(
        self,
        steps: Sequence[int | str] | int | str | None = None,
        *,
        annotate: bool | str | None = None,
        form: str = "general",
    ) -> LatexMath:
        r"""A display object (``text/latex``) for myst-nb ``glue`` / Jupyter.

        ``steps`` may be one key (rendered with :meth:`step_latex`, no label
        unless ``annotate`` asks for one) or a sequence of keys (rendered with
        :meth:`latex`, labels below each step unless ``annotate`` says otherwise).

        Examples
        --------
        >>> from lrbook.symbolic import sigmoid_derivation
        >>> d = sigmoid_derivation()
        >>> print(repr(d.math("sigmoid_dz_from_output")))
        \sigma'(z) = a \left(1 - a\right)
        >>> d.math([0, 1]) == d.math([0, 1])
        True
        >>> "text{definition}" in repr(d.math([0, 1], annotate=False))
        False
        """
        if isinstance(steps, int | str):
            if form == "instance":
                return LatexMath(self.latex(steps=[steps], annotate=annotate or False, form=form))
            return LatexMath(self.step_latex(steps, annotate=annotate or False))
        annotate = True if annotate is None else annotate
        return LatexMath(self.latex(steps=steps, annotate=annotate, form=form))

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"


def _latex(expr: Expr) -> str:
    return textbook_latex(expr)


def _label_latex(label: str) -> str:
    parts = label.split("$")
    return " ".join(p if i % 2 else _text(p) for i, p in enumerate(parts) if p)


def _text(part: str) -> str:
    escaped = re.sub(r"([_%&#{}])", r"\\\1", part)
    return rf"\text{{{escaped}}}"


def _subs(expr: Expr, mapping: Mapping[Any, Expr]) -> Expr:
    if isinstance(expr, sp.MatrixBase):
        return sp.ImmutableMatrix(expr.applyfunc(lambda e: _subs(e, mapping)))
    if expr in mapping:
        return mapping[expr]
    return expr.xreplace(dict(mapping))
