"""Support for the book's hidden cells: checked claims about results, and glued values.

The book's promise is that everything it tells the reader is machine-checked. Glued
numbers are recomputed by the book tests; the *sentences* that interpret them ("the loss
rises", "the two fits agree to six digits") are checked with :func:`claim` in a hidden
cell next to the sentence. A false claim stops the build with the claim's text and the
values it was judged on, so prose can no longer contradict the output printed beside it.

Reader-facing cells never use this module; it is plumbing, kept out of sight.

Examples
--------
>>> from lrbook.book import claim
>>> losses = [0.69, 0.41, 0.30]
>>> claim("the loss falls at every step", all(a > b for a, b in zip(losses, losses[1:])),
...       losses=losses)
>>> claim("the loss rises", losses[-1] > losses[0], first=losses[0], last=losses[-1])
Traceback (most recent call last):
...
lrbook.book.ClaimError: the book claims "the loss rises", but the results say otherwise: first=0.69, last=0.3
"""

from __future__ import annotations

import ast
import copy
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Claim",
    "ClaimError",
    "add_install_hint",
    "claim",
    "claims_made",
    "glue",
    "glue_derivation",
    "install_command",
    "notebook_for_download",
    "scientific",
    "unresolved_myst",
]


class ClaimError(AssertionError):
    """A sentence of the book is contradicted by the executed results."""


@dataclass(frozen=True)
class Claim:
    """One checked statement: its text and the values it was judged on."""

    statement: str
    values: dict[str, Any] = field(default_factory=dict)


_CLAIMS: list[Claim] = []


def _show(value: Any) -> str:
    if isinstance(value, np.ndarray) and value.size > 8:
        return np.array2string(value, precision=4, threshold=8)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return f"{value:.6g}"
    return repr(value) if isinstance(value, str) else str(value)


def claim(statement: str, holds: object, /, **values: Any) -> None:
    """Check a statement the prose makes about an executed result.

    Parameters
    ----------
    statement : str
        The claim as the reader reads it, e.g. ``"the loss rises at eta = 3"``.
    holds : bool
        The condition that makes the statement true, computed from the results.
        NumPy booleans are accepted; anything else (an array, None) is refused, so
        a claim cannot pass by accident.
    **values
        The numbers the condition was judged on; shown when the claim is false.

    Raises
    ------
    ClaimError
        If ``holds`` is false. The message quotes the statement and the values.
    TypeError
        If ``statement`` is not a non-empty string or ``holds`` is not a boolean.
    """
    if not isinstance(statement, str) or not statement.strip():
        raise TypeError(f"statement must be a non-empty string, got {statement!r}")
    if not isinstance(holds, bool | np.bool_):
        raise TypeError(
            f"holds must be a boolean (the claim's condition), got {type(holds).__name__} "
            f"{holds!r} for the claim {statement!r}; reduce arrays with all() or any()"
        )
    if not holds:
        shown = ", ".join(f"{k}={_show(v)}" for k, v in values.items())
        raise ClaimError(
            f'the book claims "{statement}", but the results say otherwise'
            + (f": {shown}" if shown else "")
        )
    _CLAIMS.append(Claim(statement, dict(values)))


def claims_made() -> list[Claim]:
    """The claims checked so far in this process (a notebook kernel: one page), in order."""
    return list(_CLAIMS)


def glue(name: str, value: Any, *, display: bool = False) -> None:
    """Glue ``value`` under ``name`` for ``{glue:text}`` / ``{glue:math}`` roles.

    Not shown where it is glued unless ``display=True`` (myst-nb's ``glue`` signature).

    NumPy scalars are converted to Python numbers first: the ``repr`` of ``np.float64``
    under NumPy 2 (``np.float64(0.5)``) breaks format specs such as ``{glue:text}`name:.3f```.
    Without myst-nb (a downloaded notebook run in plain Jupyter) nothing is recorded.
    """
    try:
        from myst_nb import glue as _glue  # present in the book's kernels
    except ImportError:  # a downloaded notebook run in plain Jupyter: nothing to record
        return
    if isinstance(value, np.generic):
        value = value.item()
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = int(value)
    _glue(name, value, display=display)


def glue_derivation(name: str, derivation: Any, steps: Any = None) -> None:
    """Glue a derivation's steps for the page: general form, proved instance, its sizes.

    Glues ``name`` (the steps in general symbols, for ``{glue:math}`` in the main text),
    ``name-instance`` (the explicit instance SymPy proved, for the "How this was
    verified" dropdown) and ``name-sizes`` (e.g. ``"n = 3, d = 2"``; empty when the
    steps are proved in general). Proves the derivation first: a wrong step fails the
    build here.
    """
    if id(derivation) not in _VERIFIED:
        derivation.verify()
        _VERIFIED.add(id(derivation))
    glue(name, derivation.math(steps))
    glue(f"{name}-instance", derivation.math(steps, form="instance"))
    glue(f"{name}-sizes", _Text(derivation.instance_sizes(steps) or "general symbols"))


class _Text(str):
    """A string glued as itself: ``{glue:text}`` shows it without quotes."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


_VERIFIED: set[int] = set()  # derivations proved in this kernel (they are cached objects)


_SUPERSCRIPT = str.maketrans(
    "-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
)


@dataclass(frozen=True, repr=False)
class Scientific:
    """A number shown for people: ``4.5 × 10⁻⁵`` in text, ``4.5 \\times 10^{-5}`` in maths.

    Glue it and paste it with the ``{glue:text}`` role (its text is the Unicode form,
    readable in HTML and in a notebook alike). See :func:`scientific`.
    """

    value: float
    digits: int = 2

    def _parts(self) -> tuple[str, int | None]:
        if self.value == 0 or not np.isfinite(self.value) or 1e-2 <= abs(self.value) < 1e3:
            return f"{self.value:.{self.digits}g}", None
        mantissa, exponent = f"{self.value:.{self.digits - 1}e}".split("e")
        return mantissa, int(exponent)

    def latex(self) -> str:
        """The number as LaTeX, e.g. ``4.5 \\times 10^{-5}`` (plain digits when 0.01-1000)."""
        mantissa, exponent = self._parts()
        return mantissa if exponent is None else rf"{mantissa} \times 10^{{{exponent}}}"

    def _repr_latex_(self) -> str:
        return f"${self.latex()}$"

    def __repr__(self) -> str:
        mantissa, exponent = self._parts()
        if exponent is None:
            return mantissa
        return f"{mantissa} \u00d7 10{str(exponent).translate(_SUPERSCRIPT)}"

    __str__ = __repr__


def scientific(value: float, digits: int = 2) -> Scientific:
    """Wrap a number so that its glued text reads ``m × 10ⁿ`` with ``digits`` digits.

    Examples
    --------
    >>> print(scientific(-4.5399e-05).latex())
    -4.5 \\times 10^{-5}
    >>> scientific(0.25).latex(), scientific(0.0).latex()
    ('0.25', '0')
    >>> print(scientific(2.2e-16, 1))
    2 × 10⁻¹⁶
    """
    return Scientific(float(value), int(digits))


# -- The executed notebook offered for download ---------------------------------------------
# A page's executed notebook still holds MyST: {glue:text} roles, {ref}/{eq}/{numref}
# cross-references and ```{directive} fences, which plain Jupyter shows as raw text. The
# download is rewritten into plain Markdown: glued values pasted in (formatted as the page
# shows them), references replaced by their titles or numbers, directives by a bold heading.
ROLE = re.compile(r"\{(?P<role>[A-Za-z][\w:.-]*)\}`(?P<content>[^`]*)`")
_FENCE = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:.-]+)\}[ \t]*(?P<arg>.*)$", re.MULTILINE
)
# Directives that only build the web site (its table of contents): left out of downloads.
_DROPPED_DIRECTIVES = {"toctree"}
_OPTION = re.compile(r"^:[\w-]+:.*$")
_TARGET = re.compile(r"^\([\w:.-]+\)=\s*$", re.MULTILINE)
_EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<label>[^<>]+)>$", re.DOTALL)


def _glued_text(data: Mapping[str, Any], fmt: str) -> str:
    text = str(data.get("text/plain", ""))
    if not fmt:
        return text.strip("'\"")
    try:
        return format(ast.literal_eval(text), fmt)
    except (SyntaxError, TypeError, ValueError):
        return text.strip("'\"")


def _resolve_role(
    role: str,
    content: str,
    glued: Mapping[str, Mapping[str, Any]],
    labels: Mapping[str, str],
) -> str:
    explicit = _EXPLICIT.match(content)
    text, target = (explicit["text"], explicit["label"]) if explicit else ("", content)
    if role in {"glue", "glue:text", "glue:any"}:
        key, _, fmt = content.partition(":")
        return _glued_text(glued[key], fmt) if key in glued else content
    if role == "glue:md":
        return str(glued.get(content, {}).get("text/markdown", content)).strip()
    if role == "glue:math":
        return f"${_plain_latex(glued.get(content, {}).get('text/latex', content))}$"
    if role == "eq":
        return f"({labels[target]})" if target in labels else text or target
    if role == "math":
        return f"${content}$"
    if role in {"ref", "numref", "doc"}:
        return text or labels.get(target, target)
    if role.startswith("py:"):  # {py:func}`lrbook.sigmoid` -> `lrbook.sigmoid`
        return f"`{text or target.lstrip('~')}`"
    return f"`{content}`"


_LAYOUT_MARKS = re.compile(r"^%lrbook:.*(?:\n|$)", re.M)


def _plain_latex(latex: Any) -> str:
    """Glued LaTeX for a notebook cell: no ``$`` and no ``%lrbook:`` layout marks (the
    marks lay derivations out in the HTML edition; in a notebook they are clutter)."""
    return _LAYOUT_MARKS.sub("", str(latex).strip().strip("$"))


def _closes(line: str, fence: str) -> bool:
    """Whether ``line`` closes a directive opened with ``fence`` (same character, as long)."""
    stripped = line.strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def _resolve_markdown(
    source: str,
    glued: Mapping[str, Mapping[str, Any]],
    labels: Mapping[str, str],
    attachments: dict[str, Any],
) -> str:
    lines = source.splitlines()
    out: list[str] = []
    open_fences: list[tuple[str, str]] = []  # (fence, what to write when it closes)
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if open_fences and _closes(line, open_fences[-1][0]):
            closing = open_fences.pop()[1]
            if closing:
                out.append(closing)
            continue
        match = _FENCE.match(line)
        if not match:
            out.append(line)
            continue
        name, arg = match["name"], match["arg"].strip()
        if name in _DROPPED_DIRECTIVES:  # site navigation: nothing to show in Jupyter
            while i < len(lines) and not _closes(lines[i], match["fence"]):
                i += 1
            i += 1
            continue
        options: dict[str, str] = {}
        while i < len(lines) and _OPTION.match(lines[i]):
            key, _, value = lines[i][1:].partition(":")
            options[key] = value.strip()
            i += 1
        closing = ""
        data = glued.get(arg, {})
        if name == "glue:math":
            out.append(f"$$\n{_plain_latex(data.get('text/latex', arg))}\n$$")
        elif name in {"glue:md", "glue", "glue:any"} and "text/markdown" in data:
            out.append(str(data["text/markdown"]).strip())  # a glued table, pasted in
        elif name == "glue:figure" and "image/png" in data:
            attachments[f"{arg}.png"] = {"image/png": data["image/png"]}
            out.append(f"![{options.get('alt', arg)}](attachment:{arg}.png)")
        elif name == "math":
            out.append("$$")
            closing = "$$"
        elif name == "solution-start":
            out.append("**Solution**")
        elif name == "admonition":
            out.append(f"**{arg}**")
        elif name != "solution-end":
            title = name.split(":")[-1].capitalize()
            out.append(f"**{title}: {arg}**" if arg else f"**{title}**")
        open_fences.append((match["fence"], closing))
    text = _TARGET.sub("", "\n".join(out))
    return ROLE.sub(lambda m: _resolve_role(m["role"], m["content"], glued, labels), text)


def notebook_for_download(
    notebook: Mapping[str, Any],
    glued: Mapping[str, Mapping[str, Any]],
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Rewrite an executed MyST notebook so that plain Jupyter shows it as the page does.

    Parameters
    ----------
    notebook : mapping
        The executed notebook as nbformat JSON (``jupyter_execute/<page>.ipynb``).
    glued : mapping str -> mapping
        The page's glued outputs, key -> MIME bundle (``text/plain``, ``text/latex``,
        ``image/png``), as in ``jupyter_execute/<page>.glue.json``.
    labels : mapping str -> str, optional
        Cross-reference target -> what the page shows for it (a section title, an
        equation or figure number).

    Returns
    -------
    dict
        A new notebook: Markdown cells without MyST roles or directives (glued values
        pasted in, glued figures as cell attachments), code cells unchanged.

    Examples
    --------
    >>> nb = {"cells": [{"cell_type": "markdown", "metadata": {},
    ...        "source": "The loss is {glue:text}`loss:.2f`, see {ref}`ch-sgd`."}]}
    >>> out = notebook_for_download(nb, {"loss": {"text/plain": "0.6931"}},
    ...                             {"ch-sgd": "Stochastic gradient descent"})
    >>> out["cells"][0]["source"]
    'The loss is 0.69, see Stochastic gradient descent.'

    A glued Markdown table is pasted in; a table of contents (``toctree``) builds the web
    site's navigation only: it is left out.

    >>> nb = {"cells": [{"cell_type": "markdown", "metadata": {},
    ...        "source": "```{glue:md} tbl\\n:format: myst\\n```"}]}
    >>> notebook_for_download(nb, {"tbl": {"text/markdown": "| a |\\n|---|\\n| 1 |"}}
    ...                       )["cells"][0]["source"]
    '| a |\\n|---|\\n| 1 |'


    >>> nb = {"cells": [{"cell_type": "markdown", "metadata": {},
    ...        "source": "Pages:\\n```{toctree}\\n:hidden:\\n\\napi/models\\n```\\nEnd."}]}
    >>> notebook_for_download(nb, {})["cells"][0]["source"]
    'Pages:\\nEnd.'
    """
    result = copy.deepcopy(dict(notebook))
    for cell in result.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell["source"]
        source = "".join(source) if isinstance(source, list) else source
        attachments: dict[str, Any] = {}
        cell["source"] = _resolve_markdown(source, glued, labels or {}, attachments)
        if attachments:
            cell["attachments"] = attachments
    return result


INSTALL_HINT_TAG = "lrbook-install-hint"
# Packages a downloaded page may import beyond lrbook's own dependencies, and the pip
# requirement that brings each one.
_EXTRA_REQUIREMENTS = {
    "sympy": '".[symbolic]"',
    "lrbook.symbolic": '".[symbolic]"',
    "lrbook.codegen": '".[symbolic]"',
    "dask": '".[dask]"',
    # the hidden cells glue values with myst-nb's glue: the book extra brings it (and
    # SymPy, Dask, pandas and the kernel)
    "myst_nb": '".[book]"',
    "pandas": "pandas",
    "scipy": "scipy",
    "statsmodels": "statsmodels",
}


def install_command(notebook: Mapping[str, Any]) -> str:
    """The ``pip install`` command that brings what a notebook's code cells import.

    Run from a clone of the lrbook repository (``.`` is the package).

    Examples
    --------
    >>> install_command({"cells": [{"cell_type": "code", "source": "import pandas as pd"}]})
    'python -m pip install . pandas'
    >>> install_command({"cells": [{"cell_type": "code",
    ...                             "source": "from lrbook.symbolic import get_derivation"}]})
    'python -m pip install ".[symbolic]"'
    >>> install_command({"cells": [{"cell_type": "code",
    ...                             "source": "from lrbook import symbolic as S"}]})
    'python -m pip install ".[symbolic]"'
    >>> install_command({"cells": [{"cell_type": "code",
    ...                             "source": "from myst_nb import glue"}]})
    'python -m pip install ".[book]"'
    """
    code = "\n".join(
        "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for cell in notebook.get("cells", [])
        if cell.get("cell_type") == "code"
    )
    imported = set(re.findall(r"^\s*(?:import|from)\s+([\w.]+)", code, re.MULTILINE))
    # "from lrbook import symbolic" imports the module lrbook.symbolic
    for package, names in re.findall(r"^\s*from\s+([\w.]+)\s+import\s+\(?([\w, ]+)", code, re.M):
        imported.update(f"{package}.{name.split()[0]}" for name in names.split(",") if name.strip())
    wanted: list[str] = []
    for module, requirement in _EXTRA_REQUIREMENTS.items():
        uses = any(name == module or name.startswith(module + ".") for name in imported)
        if uses and requirement not in wanted:
            wanted.append(requirement)
    extras = sorted(r.strip('".[]') for r in wanted if r.startswith('"'))
    if "book" in extras:  # the book extra includes the others (and pandas)
        extras = ["book"]
        wanted = [r for r in wanted if r != "pandas"]
    others = [r for r in wanted if not r.startswith('"')]
    package = f'".[{",".join(extras)}]"' if extras else "."
    return " ".join(["python -m pip install", package, *others])


def add_install_hint(notebook: Mapping[str, Any]) -> dict[str, Any]:
    """Return the notebook with a first Markdown cell that says how to run it.

    The cell names the ``pip install`` command (:func:`install_command`) that brings
    lrbook and what the notebook imports; it is tagged ``lrbook-install-hint``. A
    notebook that already has the cell is returned unchanged (as a copy).

    Examples
    --------
    >>> nb = add_install_hint({"cells": [{"cell_type": "code", "source": "import lrbook"}]})
    >>> print(nb["cells"][0]["source"].splitlines()[-1])
        python -m pip install .
    """
    result = copy.deepcopy(dict(notebook))
    cells = result.setdefault("cells", [])
    if cells and INSTALL_HINT_TAG in cells[0].get("metadata", {}).get("tags", []):
        return result
    text = (
        "*This notebook is a page of the book **lrbook: logistic regression from the "
        "ground up**, with the outputs of the book's build.* To run it yourself, install "
        "the `lrbook` package and what this page imports, from a clone of the lrbook "
        "repository (in the environment of your Jupyter kernel), then run the cells from "
        "the top:\n\n    " + install_command(notebook)
    )
    cell: dict[str, Any] = {
        "cell_type": "markdown",
        "metadata": {"tags": [INSTALL_HINT_TAG]},
        "source": text,
    }
    if (result.get("nbformat", 4), result.get("nbformat_minor", 0)) >= (4, 5):
        cell["id"] = INSTALL_HINT_TAG  # nbformat 4.5 requires cell ids
    cells.insert(0, cell)
    return result


def unresolved_myst(notebook: Mapping[str, Any]) -> list[str]:
    """MyST roles and directive fences left in a notebook's Markdown cells.

    Examples
    --------
    >>> unresolved_myst({"cells": [{"cell_type": "markdown", "source": "see {eq}`e1`"}]})
    ['{eq}`e1`']
    """
    found = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "markdown":
            source = cell["source"]
            source = "".join(source) if isinstance(source, list) else source
            found += [m.group(0) for m in ROLE.finditer(source)]
            found += [m.group(0) for m in _FENCE.finditer(source)]
    return found
