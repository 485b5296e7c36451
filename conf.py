"""Sphinx configuration for the lrbook book.

Build from the repository root with ``sphinx-build -W --keep-going -c . book _build/html``
(or ``nox -s docs``). Everything the built pages load comes from ``_build/html`` itself:
MathJax is a local copy (``sphinx-mathjax-offline``), no launch buttons, no thebe, no
ipywidgets JavaScript from a CDN, no intersphinx.

Execution (DESIGN decision 6): myst-nb's jupyter-cache keys on cell source only, so

- the cache directory name contains a hash of lrbook's source, and
- a change of that hash marks every page outdated (``env-get-outdated`` below),

so a change in the package always re-executes the book. ``LRBOOK_NB_EXECUTION`` chooses
the execution mode (``force``, ``cache``, ``off``); the default is ``force`` when the ``CI``
environment variable is set and ``cache`` otherwise.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent


def lrbook_source_hash() -> str:
    """Return a short hash of every file in the lrbook package (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "lrbook").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()[:16]


LRBOOK_HASH = lrbook_source_hash()

# The book's table of contents, in reading order. Pages that do not exist (yet) are left
# out, so the book builds while chapters are being written; a page in book/ that is not
# listed here fails the build (Sphinx: "document isn't included in any toctree").
BOOK_PARTS: dict[str, list[str]] = {
    "Front matter": ["preface", "about"],
    "Chapters": [
        "01_linear_regression",
        "02_sigmoid",
        "03_cross_entropy",
        "04_chain_rule",
        "05_gradient_checking",
        "06_vectorisation",
        "07_gradient_descent",
        "08_sgd",
        "09_softmax",
        "10_backprop",
        "11_newton_regularisation",
    ],
    "Appendices": ["appendix_a_derivations", "appendix_b_api"],
}
TOCTREE_MARKER = "% lrbook:toctrees"

# -- Project -------------------------------------------------------------------------------
project = "lrbook: logistic regression from the ground up"
author = "The lrbook developers"
copyright = "The lrbook developers"

# -- General -------------------------------------------------------------------------------
extensions = [
    "myst_nb",
    "sphinx_exercise",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx.ext.mathjax",
    "sphinx_copybutton",
    "sphinx_togglebutton",  # solutions in dropdowns (sphinx-exercise `:class: dropdown`)
]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "_*.md"]
master_doc = "index"
numfig = True
math_numfig = True
math_eqref_format = "({number})"
nitpicky = True
# No intersphinx (no network), so references to third-party types cannot resolve.
nitpick_ignore_regex = [
    (
        r"py:.*",
        r"(numpy|np|npt|sklearn|scipy|matplotlib|mpl|sympy|sp|tqdm|typing|collections)(\..*)?",
    ),
    (
        r"py:.*",
        r"(NDArray|ArrayLike|DTypeLike|Any|Callable|Sequence|Iterable|Mapping|Literal)(\[.*)?",
    ),
    (
        r"py:class",
        r"(array-like|array_like|ndarray|callable|optional|default.*|scalar|Axes|Figure)",
    ),
    (r"py:class", r"(float|int|bool|str|dict|list|tuple|None|object)(\s.*)?"),
    (r"py:class", r"(of shape|shape|or|\(.*\)|\{.*\}).*"),
    (r"ref|std:ref", r"metadata_routing"),  # scikit-learn docs labels in inherited docstrings
    (r"term|std:term", r"meta-estimator"),
]

# -- MyST / myst-nb ------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "substitution"]
myst_dmath_double_inline = True
myst_heading_anchors = 3

nb_execution_mode = os.environ.get(
    "LRBOOK_NB_EXECUTION", "force" if os.environ.get("CI") else "cache"
)
nb_execution_cache_path = str(ROOT / "_build" / ".jupyter_cache" / LRBOOK_HASH)
nb_execution_raise_on_error = True
nb_execution_timeout = 300
nb_execution_show_tb = True  # a failing cell's traceback goes to the build log
nb_merge_streams = True
nb_ipywidgets_js: dict[str, dict[str, str]] = {}  # no require.js / widget manager from a CDN
nb_kernel_rgx_aliases = {"python3?": "python3"}

# -- Autodoc / numpydoc (appendix B) --------------------------------------------------------
autosummary_generate = True
templates_path = [
    str(ROOT / "_templates")
]  # autosummary/class.rst: members documented, no stub tables
autodoc_typehints = "none"  # numpydoc docstrings carry the types
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_xref_param_type = False

# -- HTML ----------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "lrbook"
html_static_path = ["_static"]
html_css_files = ["lrbook.css"]
html_last_updated_fmt = ""
html_copy_source = True
html_show_sourcelink = True
mathjax_path = "mathjax/tex-chtml.js"  # the local copy, never a CDN
# pydata-sphinx-theme logs a console error ("invalid theme mode") when this is unset.
html_context = {"default_mode": "auto"}
html_theme_options: dict[str, Any] = {
    "use_download_button": True,
    "use_fullscreen_button": True,
    "use_source_button": False,
    "use_repository_button": False,
    "use_issues_button": False,
    "use_edit_page_button": False,
    "launch_buttons": {},  # no Binder / Colab / thebe
    "show_toc_level": 2,
    "home_page_in_toc": True,
}
if os.environ.get("GITHUB_REPOSITORY"):  # a plain link, never loaded by the page
    html_theme_options["repository_url"] = f"https://github.com/{os.environ['GITHUB_REPOSITORY']}"
    html_theme_options["repository_branch"] = "main"
    html_theme_options["path_to_docs"] = "book"
    html_theme_options["use_repository_button"] = True

copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True


# -- Hooks ---------------------------------------------------------------------------------
def _mark_all_outdated_on_package_change(app, env, added, changed, removed) -> list[str]:
    """Re-read every page when lrbook's source changed since the last build."""
    previous = getattr(env, "lrbook_source_hash", None)
    env.lrbook_source_hash = LRBOOK_HASH
    if previous is not None and previous != LRBOOK_HASH:
        return sorted(env.found_docs - added - changed)
    # index.md's toctrees depend on which pages exist: re-read it when that set changes.
    previous_toc = getattr(env, "lrbook_toctrees", None)
    env.lrbook_toctrees = toctree_markdown()
    if previous_toc != env.lrbook_toctrees and "index" not in added | changed:
        return ["index"]
    return []


def toctree_markdown(book_dir: Path = ROOT / "book") -> str:
    """Return the MyST toctree directives for the planned pages that exist in ``book_dir``."""
    blocks = []
    for caption, pages in BOOK_PARTS.items():
        present = [page for page in pages if (book_dir / f"{page}.md").is_file()]
        if not present:
            continue
        options = [f":caption: {caption}", ":maxdepth: 1"]
        if caption == "Chapters":
            options.append(":numbered:")
        blocks.append("```{toctree}\n" + "\n".join(options) + "\n\n" + "\n".join(present) + "\n```")
    return "\n\n".join(blocks) + "\n"


def _insert_toctrees(app, docname: str, source: list[str]) -> None:
    if docname == "index":
        if TOCTREE_MARKER not in source[0]:
            raise RuntimeError(f"book/index.md must contain the line {TOCTREE_MARKER!r}")
        source[0] = source[0].replace(TOCTREE_MARKER, toctree_markdown())


def _skip_sklearn_plumbing(app, what, name, obj, skip, options) -> bool | None:
    """Leave scikit-learn's generated metadata-routing methods out of the API pages."""
    if name == "get_metadata_routing" or (name.startswith("set_") and name.endswith("_request")):
        return True
    return None


def _prepare_cache(app) -> None:
    """Delete jupyter-cache folders keyed on older lrbook sources; create the current one.

    The cache's SQLite database is created here, in the main process, before a parallel
    build (``-j``) starts its workers: otherwise two workers race to create its tables
    ("table settings already exists") on the first build of a fresh clone.
    """
    cache_root = ROOT / "_build" / ".jupyter_cache"
    if cache_root.is_dir():
        for child in cache_root.iterdir():
            if child.is_dir() and child.name != LRBOOK_HASH:
                shutil.rmtree(child, ignore_errors=True)
    if app.config.nb_execution_mode == "cache":
        from jupyter_cache import get_cache

        get_cache(app.config.nb_execution_cache_path).db  # noqa: B018 - creates the tables


def _offer_ipynb_download(app, pagename, templatename, context, doctree) -> None:
    """Offer the executed notebook of each page as ``_sources/<page>.ipynb``.

    myst-nb writes every executed text notebook to ``<outdir>/../jupyter_execute``;
    sphinx-book-theme's download menu shows an ``.ipynb`` entry when the page context has
    ``ipynb_source``. Runs before the theme's own handler (priority 501).
    """
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file():
        return
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    # Plain Markdown for plain Jupyter: glued values pasted in, references resolved.
    from lrbook.book import notebook_for_download

    glue_file = executed.with_suffix(".glue.json")
    glued = json.loads(glue_file.read_text(encoding="utf-8")) if glue_file.is_file() else {}
    notebook = json.loads(executed.read_text(encoding="utf-8"))
    glued = {key: entry.get("data", {}) for key, entry in glued.items()}
    converted = notebook_for_download(notebook, glued, _reference_texts(app.env))
    target.write_text(json.dumps(converted, indent=1), encoding="utf-8")
    context["ipynb_source"] = f"{pagename}.ipynb"


def _reference_texts(env) -> dict[str, str]:
    """Label -> what a reference to it shows: a section title, "(3)", "Figure 7.2"."""
    texts: dict[str, str] = {}
    for label, (docname, node_id, title) in env.get_domain("std").labels.items():
        number = env.toc_fignumbers.get(docname, {}).get("figure", {}).get(node_id)
        texts[label] = "Figure " + ".".join(map(str, number)) if number else title
    for label, (docname, number) in env.get_domain("math").equations.items():
        numbers = env.toc_fignumbers.get(docname, {}).get("displaymath", {})
        texts[label] = ".".join(map(str, numbers.get(f"equation-{label}", (number,))))
    return texts


def _mathjax_source() -> Path:
    """MathJax 3 as shipped by the ``sphinx-mathjax-offline`` package (book extra).

    That package's own Sphinx extension does not declare itself parallel-safe (``-j``
    would warn), so only its files are used: copied into ``_static/mathjax`` below.
    """
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or spec.origin is None:
        raise RuntimeError(
            "MathJax is missing: install the book extra (pip install '.[book]'), which "
            "brings sphinx-mathjax-offline"
        )
    return Path(spec.origin).parent / "static" / "mathjax"


def _copy_mathjax(app, exception) -> None:
    """Copy the local MathJax into ``_static/mathjax`` (skipped when already there)."""
    if exception is not None or app.builder.format != "html":
        return
    source = _mathjax_source()
    target = Path(app.outdir) / "_static" / "mathjax"
    if (target / "tex-chtml.js").is_file() and (
        (target / "tex-chtml.js").stat().st_size == (source / "tex-chtml.js").stat().st_size
    ):
        return
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)


def setup(app) -> dict[str, Any]:
    _mathjax_source()  # fail early, with the fix, when MathJax is not installed
    app.connect("env-get-outdated", _mark_all_outdated_on_package_change)
    app.connect("builder-inited", _prepare_cache)
    app.connect("source-read", _insert_toctrees)
    app.connect("html-page-context", _offer_ipynb_download, priority=400)
    app.connect("build-finished", _copy_mathjax)
    app.connect("autodoc-skip-member", _skip_sklearn_plumbing)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
