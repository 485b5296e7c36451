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

PDF edition (``nox -s pdf``): the LaTeX builder with XeLaTeX writes ``_build/latex/lrbook.pdf``.
For that builder only, the index page keeps its title and the table of contents (front
matter, numbered chapters, appendices), and :class:`SolutionsToChapterEnd` moves each
chapter's exercise solutions to a "Solutions" section at the end of the chapter, with a
link from each exercise to its solution and back. An HTML build made after the PDF copies
it into the HTML book (``lrbook.pdf``) and links it from the sidebar.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
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
    "Front matter": ["preface", "about", "notation"],
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
        "12_original_data",
    ],
    "Appendices": ["appendix_a_derivations", "appendix_b_api", "course_notation"],
}
TOCTREE_MARKER = "% lrbook:toctrees"
# The PDF edition, when `nox -s pdf` has built it (an HTML build then links it).
PDF_NAME = "lrbook.pdf"
PDF_PATH = ROOT / "_build" / "latex" / PDF_NAME

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
    # scikit-learn docs labels in inherited docstrings (score, metadata routing)
    (r"ref|std:ref", r"(metadata_routing|r2_score|accuracy_score)"),
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
# Defaults as written in the source (``path=DEFAULT_OUTPUT``), never their value's repr (a
# path of the build machine, ``<function ...>``).
autodoc_preserve_defaults = True
numpydoc_show_class_members = False
numpydoc_xref_param_type = False

# -- HTML ----------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "lrbook"
html_static_path = ["_static"]
html_css_files = ["lrbook.css"]
html_favicon = "_static/favicon.svg"  # a sigmoid on the book's blue
# Search: result snippets from the prose (not code cells or raw TeX), chapters ranked by
# their title; see _static/lrbook-search.js and _static/lrbook-scorer.js.
html_js_files = ["lrbook-search.js", "lrbook-derivations.js"]
html_search_scorer = str(ROOT / "_static" / "lrbook-scorer.js")
html_last_updated_fmt = ""
html_copy_source = True
html_show_sourcelink = True
mathjax_path = "mathjax/tex-chtml.js"  # the local copy, never a CDN
# pydata-sphinx-theme logs a console error ("invalid theme mode") when this is unset.
html_context = {"default_mode": "auto", "lrbook_pdf": ""}
# The sidebar of sphinx-book-theme, plus a link to the PDF edition when it was built.
html_sidebars = {
    "**": [
        "navbar-logo.html",
        "icon-links.html",
        "search-button-field.html",
        "lrbook-pdf.html",
        "sbt-sidebar-nav.html",
    ]
}
if PDF_PATH.is_file():  # _copy_pdf copies it to _build/html/lrbook.pdf
    html_context["lrbook_pdf"] = PDF_NAME
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


# -- LaTeX / PDF (nox -s pdf) ---------------------------------------------------------------
# XeLaTeX: the text has Greek letters and other Unicode that pdfLaTeX rejects. Fonts: GNU
# FreeFont (Sphinx's default for XeLaTeX, Debian's fonts-freefont-otf).
latex_engine = "xelatex"
latex_documents = [("index", "lrbook.tex", project, author, "manual", False)]
# The book class: \frontmatter (unnumbered preface), \mainmatter and \appendix.
latex_docclass = {"manual": "book"}
latex_domain_indices = False
latex_use_xindy = False  # no index (printindex and makeindex are off below)
latex_show_urls = "footnote"
latex_show_pagerefs = False
latex_elements: dict[str, str] = {
    "papersize": "a4paper",
    "pointsize": "10pt",
    "figure_align": "H",
    "printindex": "",
    "makeindex": "",
    # Long code lines wrap (never run into the margin); long words and URLs may break.
    "sphinxsetup": "verbatimwrapslines=true, verbatimforcewraps=true, "
    "verbatimmaxoverfull=0, verbatimmaxunderfull=0",
    "preamble": r"""
\setlength{\emergencystretch}{3em}
\usepackage{xurl}
\setcounter{tocdepth}{1}
\makeatletter
% Inline code may also break after an underscore or an opening parenthesis (long
% identifiers in narrow table columns would otherwise run over the column).
% (\hskip0pt, not \allowbreak: a glue, so the word after it may be hyphenated in tables)
\protected\def\lrbookunderscore{\textunderscore\hskip0pt\relax}
\let\lrbook@upquote\sphinxupquote
\protected\def\sphinxupquote#1{\lrbook@upquote{\let\_\lrbookunderscore
  \iflrbookintable\hyphenchar\font=45\relax\fi#1}}
% Tables: a smaller font, and code words in their narrow columns may be hyphenated (a
% word such as "regression" in monospace would otherwise run over its column's edge).
\newif\iflrbookintable
\AtBeginEnvironment{tabulary}{\small\lrbookintabletrue}
\renewcommand*\sphinxbreaksafteractivelist{\do\.\do\,\do\;\do\?\do\!\do\/\do\(}
% The table of contents keeps roman page numbers running into the front matter (the
% preface): Sphinx's version restarts arabic numbering, and \frontmatter would then
% restart roman numbering, giving two pages "i".
\renewcommand{\sphinxtableofcontents}{%
  \pagenumbering{roman}%
  \begingroup\parskip\z@skip\sphinxtableofcontentshook\tableofcontents\endgroup
  \if@openright\cleardoublepage\else\clearpage\fi}
% Front matter: unnumbered chapters and sections; \mainmatter numbers them again.
\newcounter{lrbooksecnumdepth}
\newcommand{\lrbookfrontmatter}{\cleardoublepage\@mainmatterfalse
  \setcounter{lrbooksecnumdepth}{\value{secnumdepth}}\setcounter{secnumdepth}{-1}}
\newcommand{\lrbookmainmatter}{\mainmatter\setcounter{secnumdepth}{\value{lrbooksecnumdepth}}}
\makeatother
""",
}


# -- Hooks ---------------------------------------------------------------------------------
def _mark_all_outdated_on_package_change(app, env, added, changed, removed) -> list[str]:
    """Re-read every page when lrbook's source changed since the last build.

    Also (HTML) when the PDF edition appeared or went away: every page's sidebar links it,
    and Sphinx does not rewrite unchanged pages for a changed ``html_context``.
    """
    previous = getattr(env, "lrbook_source_hash", None)
    env.lrbook_source_hash = LRBOOK_HASH
    had_pdf = getattr(env, "lrbook_has_pdf", None)
    if app.builder.format == "html":
        env.lrbook_has_pdf = PDF_PATH.is_file()
    pdf_changed = app.builder.format == "html" and had_pdf not in (None, env.lrbook_has_pdf)
    if (previous is not None and previous != LRBOOK_HASH) or pdf_changed:
        return sorted(env.found_docs - added - changed)
    # index.md's toctrees depend on which pages exist: re-read it when that set changes.
    previous_toc = getattr(env, "lrbook_toctrees", None)
    env.lrbook_toctrees = toctree_markdown()
    if previous_toc != env.lrbook_toctrees and "index" not in added | changed:
        return ["index"]
    return []


# LaTeX commands that open each part of the book in the PDF (the book class's).
LATEX_PART_COMMANDS = {
    "Front matter": "\\lrbookfrontmatter",  # \\frontmatter, without restarting page numbers
    "Chapters": "\\lrbookmainmatter",
    "Appendices": "\\appendix",
}


def toctree_markdown(book_dir: Path = ROOT / "book", latex: bool = False) -> str:
    """Return the MyST toctree directives for the planned pages that exist in ``book_dir``.

    For the PDF (``latex=True``) the captions (sidebar headings) are left out and each part
    is opened by its LaTeX command (``\\frontmatter``, ``\\mainmatter``, ``\\appendix``).
    """
    blocks = []
    for caption, pages in BOOK_PARTS.items():
        present = [page for page in pages if (book_dir / f"{page}.md").is_file()]
        if not present:
            continue
        options = [":maxdepth: 1"] if latex else [f":caption: {caption}", ":maxdepth: 1"]
        if caption == "Chapters":
            options.append(":numbered:")
        if latex:
            blocks.append("```{raw} latex\n" + LATEX_PART_COMMANDS[caption] + "\n```")
        blocks.append("```{toctree}\n" + "\n".join(options) + "\n\n" + "\n".join(present) + "\n```")
    return "\n\n".join(blocks) + "\n"


APPENDIX_TITLE = re.compile(r"^# Appendix [A-Z]: ", re.MULTILINE)


def _insert_toctrees(app, docname: str, source: list[str]) -> None:
    latex = app.builder.format == "latex"
    if docname == "index":
        if TOCTREE_MARKER not in source[0]:
            raise RuntimeError(f"book/index.md must contain the line {TOCTREE_MARKER!r}")
        if latex:
            # The PDF's title page and table of contents replace the HTML front page's
            # prose (which talks about download buttons): keep its title and the toctrees.
            title = next(line for line in source[0].splitlines() if line.startswith("# "))
            source[0] = title + "\n\n" + toctree_markdown(latex=True)
        else:
            source[0] = source[0].replace(TOCTREE_MARKER, toctree_markdown())
    elif latex and docname in BOOK_PARTS["Appendices"]:
        # \appendix already prints "Appendix A"; "Appendix A: All derivations" would repeat it.
        source[0] = APPENDIX_TITLE.sub("# ", source[0], count=1)


def _page_nodes(page: Any) -> list[Any]:
    """The nodes of one included page of the PDF (a ``start_of_file``), in document order.

    Pages the page itself includes (nested ``start_of_file``) are left out. Walks down from
    ``page``: Sphinx sets ``start_of_file.children`` directly, so parent links do not lead
    back up to it.
    """
    from sphinx import addnodes

    found: list[Any] = []
    stack = list(reversed(page.children))
    while stack:
        node = stack.pop()
        if isinstance(node, addnodes.start_of_file):
            continue
        found.append(node)
        stack.extend(reversed(getattr(node, "children", [])))
    return found


def _latex_raw(latex: str) -> Any:
    from docutils import nodes

    return nodes.raw("", latex, format="latex")


def solutions_to_chapter_end(document: Any) -> int:
    """Move each chapter's exercise solutions to a "Solutions" section at its end (PDF).

    ``document`` is the whole book as the LaTeX builder assembles it (one
    ``start_of_file`` node per page). For every solution of an exercise of that page:
    the exercise gets the label Sphinx's cross-references to it use (sphinx-exercise
    writes only its own ``exercise:<label>`` in LaTeX, so the solution's "Solution to
    Exercise N" link dangled) and a line linking to its solution; the solution (whose title
    links back to the exercise) moves to the end of the chapter. Returns how many
    solutions were moved.
    """
    from docutils import nodes
    from sphinx import addnodes
    from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node, solution_node

    moved = 0
    for page in list(document.findall(addnodes.start_of_file)):
        docname = page["docname"]
        own = _page_nodes(page)
        solutions = [n for n in own if isinstance(n, solution_node)]
        if not solutions:
            continue
        exercises = {
            n.get("label"): n
            for n in own
            if isinstance(n, exercise_node | exercise_enumerable_node)
        }
        chapter = next(n for n in own if isinstance(n, nodes.section))
        section = nodes.section("", ids=[f"{docname}-solutions"], names=[])
        section += nodes.title("", "Solutions")
        for solution in solutions:
            exercise = exercises.get(solution.get("target_label"))
            target = f"{docname}:{solution['label']}"  # sphinx-exercise's LaTeX label
            if exercise is not None:
                index = exercise.parent.index(exercise)
                exercise.parent.insert(
                    index,
                    _latex_raw(
                        rf"\phantomsection\label{{\detokenize{{{docname}:{exercise['label']}}}}}"
                    ),
                )
                exercise += nodes.paragraph(
                    "",
                    "",
                    _latex_raw(
                        rf"\hyperref[{target}]{{\textit{{Solution}}}} on page~\pageref{{{target}}}."
                    ),
                )
            solution.parent.remove(solution)
            section += solution
            moved += 1
        chapter += section
    return moved


def instances_left_online(document: Any) -> int:
    """PDF: the explicit instances of "How this was verified" boxes stay in the HTML.

    An instance is machine-sized (pages of nested sigmoids, wider than a printed page); in
    the PDF its box keeps the sentence naming the sizes SymPy proved at, and the written-out
    instance is replaced by a note. Returns the number of boxes changed.
    """
    from docutils import nodes

    changed = 0
    for box in list(document.findall(nodes.Element)):
        if "lrbook-instance" not in box.get("classes", []):
            continue
        blocks = list(box.findall(nodes.math_block))
        for i, block in enumerate(blocks):
            if i == 0:
                note = "(written out in the HTML edition of this book)"
                block.replace_self(nodes.paragraph(text=note))
            else:
                block.parent.remove(block)
        changed += bool(blocks)
    return changed


def _solutions_transform() -> type:
    from sphinx.transforms.post_transforms import SphinxPostTransform

    class SolutionsToChapterEnd(SphinxPostTransform):
        """LaTeX builder only: :func:`solutions_to_chapter_end` on the assembled book."""

        default_priority = 100  # after sphinx-exercise resolved titles and links (20, 22)
        builders = ("latex",)

        def run(self, **kwargs: Any) -> None:
            instances_left_online(self.document)
            solutions_to_chapter_end(self.document)

    return SolutionsToChapterEnd


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
    from lrbook.book import add_install_hint, notebook_for_download

    glue_file = executed.with_suffix(".glue.json")
    glued = json.loads(glue_file.read_text(encoding="utf-8")) if glue_file.is_file() else {}
    notebook = _with_cached_outputs(app, json.loads(executed.read_text(encoding="utf-8")))
    glued = {key: entry.get("data", {}) for key, entry in glued.items()}
    converted = notebook_for_download(notebook, glued, _reference_texts(app.env))
    converted = add_install_hint(converted)  # how to install what it imports, first
    target.write_text(json.dumps(converted, indent=1), encoding="utf-8")
    context["ipynb_source"] = f"{pagename}.ipynb"


def _with_cached_outputs(app, notebook: dict[str, Any]) -> dict[str, Any]:
    """The notebook with its executed outputs, also when they came from the cache.

    myst-nb (1.x) writes ``jupyter_execute/<page>.ipynb`` from the notebook it read, and in
    ``cache`` mode a page served from the execution cache gets its outputs merged into a
    copy only: the file then has no outputs at all, and neither would the download. Here
    the outputs are merged from the cache (the same match myst-nb made); a page without
    any code cell, or one that was executed just now, is returned unchanged.
    """
    code = [cell for cell in notebook.get("cells", []) if cell.get("cell_type") == "code"]
    executed = any(cell.get("outputs") or cell.get("execution_count") for cell in code)
    if not code or executed or app.config.nb_execution_mode != "cache":
        return notebook
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(app.config.nb_execution_cache_path)
    try:
        _, merged = cache.merge_match_into_notebook(nbformat.from_dict(notebook))
    except KeyError:  # not in the cache: nothing was executed (execution "off")
        return notebook
    return json.loads(nbformat.writes(merged))


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


def _letter_appendices(app, env) -> list[str]:
    """Number the sections and equations of appendix X as X.1, X.2 ... (HTML).

    The appendices sit outside the numbered toctree of the chapters, so Sphinx gives
    their sections no number and their equations (1), (2) ...; here the sections become
    A.1, A.2 (subsections A.1.1) and the equations, figures and tables A.1, A.2 in page
    order, for the page, its table of contents and every reference to them. (The PDF's
    ``\\appendix`` numbers its appendices itself.) Runs after Sphinx assigned numbers.
    """
    if app.builder.format != "html":
        return []
    from docutils import nodes

    changed = []
    for index, docname in enumerate(BOOK_PARTS["Appendices"]):
        if docname not in env.all_docs:
            continue
        letter = chr(ord("A") + index)
        secnumbers: dict[str, tuple[Any, ...]] = {}
        counters: list[int] = []
        for section in env.get_doctree(docname).findall(nodes.section):
            depth = sum(1 for a in _ancestors(section) if isinstance(a, nodes.section))
            if depth == 0 or not section["ids"]:
                continue  # the page title stays "Appendix A: ..."
            del counters[depth:]
            counters += [0] * (depth - len(counters))
            counters[depth - 1] += 1
            secnumbers["#" + section["ids"][0]] = (letter, *counters)
        for reference in env.tocs[docname].findall(nodes.reference):
            number = secnumbers.get(reference.get("anchorname", ""))
            if number:
                reference["secnumber"] = number
        env.toc_secnumbers[docname] = secnumbers
        fignumbers = env.toc_fignumbers.setdefault(docname, {})
        for figtype, numbers in fignumbers.items():
            order = sorted(numbers, key=lambda key: numbers[key][-1])
            fignumbers[figtype] = {key: (letter, i) for i, key in enumerate(order, start=1)}
        changed.append(docname)
    return changed


def _ancestors(node: Any) -> list[Any]:
    found = []
    while node.parent is not None:
        node = node.parent
        found.append(node)
    return found


def _keep_code_and_tex_out_of_search(app, doctree, docname) -> None:
    """Leave code cells, their outputs and equations out of the search index.

    Sphinx indexes every word of a page, so "glue" or "aligned" from a code cell or from
    raw TeX would match a query; nodes with the class ``no-search`` are skipped.
    """
    if app.builder.format != "html":
        return
    from docutils import nodes

    for node in doctree.findall(nodes.Element):
        classes = node.get("classes", [])
        if (
            isinstance(node, nodes.math_block | nodes.math | nodes.literal_block)
            or "cell_input" in classes
            or "cell_output" in classes
        ) and "no-search" not in classes:
            classes.append("no-search")


# -- Derivations: each step's justification beside it (HTML) ----------------------------------
# lrbook.symbolic's Derivation.latex marks its blocks with TeX comments (LaTeX and MathJax
# skip them, so the PDF and the downloaded notebooks show the same `aligned` block as
# before): a first line DERIVATION_MARK, then per step a line "%lrbook:step LABEL" (the
# label's maths between \( and \)), the step's left-hand side (if any) on a line of its own,
# the line " &= rhs" (any relation) and, when there is a label, the row that prints it
# below the step in the PDF. The HTML edition lays these blocks out as a grid instead:
# per step a right-aligned left-hand side, a left-aligned "= rhs" (the = column aligned as
# in `aligned`) and the justification as text; _static/lrbook-derivations.js sets the
# justifications under their steps where the grid is wider than its column (phones).
DERIVATION_MARK = "%lrbook:derivation"
STEP_MARK = "%lrbook:step"
_RELATION_ROW = re.compile(r"^ &(=|>|<|\\geq|\\leq) (.*?)(?: \\\\(?:\[-0\.5ex\])?)?$")
_LABEL_ROW = "&\\phantom{=}\\quad {\\small "


def derivation_steps(latex: str) -> list[tuple[str, str, str, str]] | None:
    r"""The steps ``(lhs, relation, rhs, justification)`` of a marked derivation block.

    ``lhs`` is empty for a step that continues the previous one (``= rhs``); the
    justification is text whose maths is between ``\(`` and ``\)``. Returns None for
    maths that is not a marked derivation; raises ValueError for a marked block that does
    not have the layout :meth:`lrbook.symbolic.Derivation.latex` writes.
    """
    if DERIVATION_MARK not in latex:
        return None
    lines = latex.strip().splitlines()
    if (
        lines[0] != r"\begin{aligned}"
        or lines[1:2] != [DERIVATION_MARK]
        or (lines[-1] != r"\end{aligned}")
    ):
        raise ValueError(f"{DERIVATION_MARK} not on the first line of aligned: {latex[:80]!r}")
    starts = [i for i, line in enumerate(lines) if line.startswith(STEP_MARK)]
    if not starts or starts[0] != 2:
        raise ValueError(f"no {STEP_MARK} line after {DERIVATION_MARK}: {latex[:80]!r}")
    steps = []
    for start, end in zip(starts, [*starts[1:], len(lines) - 1], strict=True):
        why = lines[start][len(STEP_MARK) :].strip()
        rows = lines[start + 1 : end]
        at = next((i for i, row in enumerate(rows) if _RELATION_ROW.match(row)), None)
        label_rows = [] if at is None else rows[at + 1 :]
        if (
            at is None
            or at > 1
            or len(label_rows) > 1
            or (label_rows and not label_rows[0].startswith(_LABEL_ROW))
        ):
            raise ValueError(f"a {STEP_MARK} step is not 'lhs' then ' &= rhs': {rows!r}")
        relation, rhs = _RELATION_ROW.match(rows[at]).groups()  # type: ignore[union-attr]
        steps.append((rows[0] if at else "", relation, rhs, why))
    return steps


def derivation_html(steps: list[tuple[str, str, str, str]]) -> str:
    """The grid of a derivation's steps: lhs, "= rhs" and justification cells."""
    from html import escape

    cells = []
    for lhs, relation, rhs, why in steps:
        lhs_math = rf"\(\displaystyle {escape(lhs, quote=False)}\)" if lhs else ""
        cells.append(f'<span class="lrbook-lhs">{lhs_math}</span>')
        rhs_math = escape(f"{{}}{relation} {rhs}", quote=False)
        cells.append(rf'<span class="lrbook-rhs">\(\displaystyle {rhs_math}\)</span>')
        cells.append(f'<span class="lrbook-why">{escape(why, quote=False)}</span>')
    return '<div class="lrbook-steps">' + "".join(cells) + "</div>"


def _derivation_visitor(visit: Any) -> Any:
    """Wrap the HTML visitor of display maths: marked derivations become a grid.

    The block keeps what Sphinx writes around numbered maths (its ``id``, the
    equation number and its link), so references and permalinks work as before.
    """
    from docutils import nodes
    from sphinx.locale import _
    from sphinx.util import logging
    from sphinx.util.math import get_node_equation_number

    def visit_math_block(self: Any, node: Any) -> None:
        try:
            steps = derivation_steps(node.astext())
        except ValueError as error:
            logging.getLogger(__name__).warning(str(error), location=node)
            steps = None
        if steps is None or node.get("nowrap") or node.get("no-wrap"):
            return visit(self, node)
        classes = "math notranslate nohighlight lrbook-derivation"
        self.body.append(self.starttag(node, "div", CLASS=classes))
        if node["number"]:
            number = get_node_equation_number(self, node)
            self.body.append(f'<span class="eqno">({number})')
            self.add_permalink_ref(node, _("Link to this equation"))
            self.body.append("</span>")
        self.body.append(derivation_html(steps) + "</div>\n")
        raise nodes.SkipNode

    return visit_math_block


def _lay_out_derivations(app) -> None:
    """HTML: draw marked derivations with :func:`derivation_html` (see above)."""
    if app.builder.format != "html":
        return
    renderers = app.registry.html_block_math_renderers
    visit, depart = renderers["mathjax"]
    renderers["mathjax"] = (_derivation_visitor(visit), depart)


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


def _copy_pdf(app, exception) -> None:
    """Copy the PDF edition into the HTML book (the sidebar links it), when it was built."""
    if exception is not None or app.builder.format != "html" or not PDF_PATH.is_file():
        return
    shutil.copyfile(PDF_PATH, Path(app.outdir) / PDF_NAME)


def setup(app) -> dict[str, Any]:
    _mathjax_source()  # fail early, with the fix, when MathJax is not installed
    app.connect("env-get-outdated", _mark_all_outdated_on_package_change)
    app.connect("env-get-updated", _letter_appendices, priority=900)
    app.connect("doctree-resolved", _keep_code_and_tex_out_of_search)
    app.connect("builder-inited", _prepare_cache)
    app.connect("builder-inited", _lay_out_derivations)
    app.connect("source-read", _insert_toctrees)
    app.connect("html-page-context", _offer_ipynb_download, priority=400)
    app.connect("build-finished", _copy_mathjax)
    app.connect("build-finished", _copy_pdf)
    app.connect("autodoc-skip-member", _skip_sklearn_plumbing)
    app.add_post_transform(_solutions_transform())
    return {"parallel_read_safe": True, "parallel_write_safe": True}
