"""Appendix B (book/appendix_b_api.md and its pages book/api/*.md) documents the API.

Source checks (always run): every public name of every public lrbook module has an
autodoc entry on one of the pages, and the estimators are documented with their inherited
members. Built-book checks (marker ``book``): every public method of every estimator
(``fit``, ``predict``, ``predict_proba``, ``score``, ``get_params`` ...) has an entry on the
estimators page, and no signature shows a path of the build machine or an object repr.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPENDIX = ROOT / "book" / "appendix_b_api.md"
API_DIR = ROOT / "book" / "api"
MODULES = [
    "losses",
    "gradcheck",
    "exercises",
    "inference",
    "optim",
    "models",
    "datasets",
    "plotting",
    "symbolic",
    "codegen",
    "book",
    "kernels",
]
_MODULE = re.compile(r"^\.\. (?:currentmodule|automodule|py:module):: ([\w.]+)")
_ENTRY = re.compile(r"^\.\. auto(function|class|data|exception|module):: ([\w.]+)")
_MEMBERS = re.compile(r"^   :members:\s*$")


def documented(text: str) -> dict[str, str]:
    """Fully qualified name -> autodoc directive, for the autodoc entries in ``text``.

    ``.. automodule:: m`` with ``:members:`` documents every name of ``m.__all__``.

    Examples
    --------
    >>> text = ".. currentmodule:: lrbook.losses\\n\\n.. autofunction:: cross_entropy\\n"
    >>> documented(text)
    {'lrbook.losses.cross_entropy': 'function'}
    """
    found: dict[str, str] = {}
    module = ""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if match := _MODULE.match(line):
            module = match[1]
        if match := _ENTRY.match(line):
            kind, name = match.groups()
            if kind == "module":
                options = lines[i + 1 : i + 4]
                if any(_MEMBERS.match(option) for option in options):
                    for member in importlib.import_module(name).__all__:
                        found[f"{name}.{member}"] = "module member"
                continue
            found[name if "." in name else f"{module}.{name}"] = kind
    return found


def api_pages() -> list[Path]:
    return [APPENDIX, *sorted(API_DIR.glob("*.md"))]


def all_documented() -> dict[str, str]:
    found: dict[str, str] = {}
    for page in api_pages():
        found.update(documented(page.read_text(encoding="utf-8")))
    return found


def test_every_api_page_is_in_the_appendix_toctree() -> None:
    text = APPENDIX.read_text(encoding="utf-8")
    for page in sorted(API_DIR.glob("*.md")):
        assert re.search(rf"^api/{page.stem}$", text, re.MULTILINE), (
            f"{page.name} is not in the toctree of {APPENDIX.name}"
        )


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_is_in_the_api_appendix(module: str) -> None:
    public = {
        f"lrbook.{module}.{name}" for name in importlib.import_module(f"lrbook.{module}").__all__
    }
    missing = sorted(public - set(all_documented()))
    assert not missing, f"add an autodoc entry for {missing} to a page of {API_DIR}"


def test_the_top_level_primitives_are_documented() -> None:
    import lrbook

    primitives = {
        name
        for name in lrbook.__all__
        if getattr(getattr(lrbook, name), "__module__", "") == "lrbook._primitives"
    }
    assert primitives, "lrbook exports no primitive"
    missing = sorted({f"lrbook.{name}" for name in primitives} - set(all_documented()))
    assert not missing, missing


def test_estimators_are_documented_with_inherited_members() -> None:
    text = (API_DIR / "estimators.md").read_text(encoding="utf-8")
    for name in importlib.import_module("lrbook.models").__all__:
        entry = re.search(rf"^\.\. autoclass:: {name}\n((?:   :.*\n)*)", text, re.MULTILINE)
        assert entry, f"estimators.md has no autoclass entry for {name}"
        assert ":inherited-members:" in entry[1], f"{name}: add :inherited-members:"


def public_methods(cls: type) -> list[str]:
    """The public methods of an estimator, inherited ones included.

    scikit-learn's generated metadata-routing helpers (``set_fit_request``,
    ``get_metadata_routing``) are left out: conf.py skips them on purpose.

    Examples
    --------
    >>> from lrbook.models import LogisticRegression
    >>> {"fit", "predict_proba", "score", "get_params"} <= set(
    ...     public_methods(LogisticRegression))
    True
    """
    names = []
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") or not callable(member) or inspect.isclass(member):
            continue
        if name == "get_metadata_routing" or (
            name.startswith("set_") and name.endswith("_request")
        ):
            continue
        names.append(name)
    return sorted(names)


def missing_methods(html: str, qualified_class: str, methods: list[str]) -> list[str]:
    """The methods of ``qualified_class`` without an entry (``<dt id=...>``) in ``html``.

    Examples
    --------
    >>> html = '<dt class="sig" id="m.C.fit">'
    >>> missing_methods(html, "m.C", ["fit", "predict"])
    ['predict']
    """
    return [m for m in methods if f'id="{qualified_class}.{m}"' not in html]


@pytest.mark.book
def test_every_estimator_has_every_method_on_its_page(html_dir: Path) -> None:
    html = (html_dir / "api" / "estimators.html").read_text(encoding="utf-8")
    models = importlib.import_module("lrbook.models")
    problems = {}
    for name in models.__all__:
        methods = public_methods(getattr(models, name))
        for expected in ("fit", "predict", "score", "get_params", "set_params"):
            assert expected in methods, (name, methods)
        missing = missing_methods(html, f"lrbook.models.{name}", methods)
        if missing:
            problems[name] = missing
    assert not problems, f"api/estimators.html lacks these methods: {problems}"


SIGNATURE_LEAKS = [
    (re.compile(r"/(?:work|home|tmp|usr|root|Users)/[\w./-]+"), "a path of the build machine"),
    (re.compile(r" object at 0x[0-9a-f]+"), "an object repr"),
    (re.compile(r"&lt;[\w.]+ (?:object|function)[^&]*&gt;"), "an object repr"),
    (re.compile(r"PosixPath\("), "a Path repr"),
]


def signature_leaks(html: str) -> list[str]:
    """Signatures (``<dt class="sig ...">``) that show a path or an object repr.

    Examples
    --------
    >>> signature_leaks('<dt class="sig">write(path=/work/x/kernels.py)</dt>')
    ['write(path=/work/x/kernels.py): a path of the build machine']
    >>> signature_leaks('<dt class="sig">write(path=DEFAULT_OUTPUT)</dt>')
    []
    """
    problems = []
    for signature in re.findall(r'<dt class="sig[^"]*"[^>]*>(.*?)</dt>', html, re.DOTALL):
        text = re.sub(r"<[^>]+>", "", signature)
        text = re.sub(r"\s+", "", text) if "PosixPath" in text else " ".join(text.split())
        text = text.replace("¶", "").replace("#", "").strip()
        for pattern, what in SIGNATURE_LEAKS:
            if pattern.search(text) or pattern.search(signature):
                problems.append(f"{text}: {what}")
                break
    return problems


@pytest.mark.book
def test_no_signature_shows_a_machine_path_or_an_object_repr(html_dir: Path) -> None:
    pages = [html_dir / "appendix_b_api.html", *sorted((html_dir / "api").glob("*.html"))]
    assert len(pages) > 5, pages
    problems = []
    for page in pages:
        problems += [f"{page.name}: {p}" for p in signature_leaks(page.read_text("utf-8"))]
    assert not problems, "\n".join(problems)
