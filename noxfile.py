"""Developer and CI sessions for lrbook: ``nox -s <session>`` (``nox -l`` lists them).

Dependencies come from the extras in pyproject.toml (``.[test]``, ``.[book]``, ...), never
repeated here. CI (``.ci/run`` and ``.github/workflows``) calls these same sessions.

- ``tests``   the whole pytest suite plus the doctests in ``lrbook/``; the tests of the
              built book (markers ``book``/``browser``) run too when ``_build/html`` exists
              (and Chromium, for ``browser``), otherwise they are skipped with the reason.
              Needs only the ``test`` extra, also after ``docs`` built the book.
- ``minimum_versions``  the same suite (without the built book's tests) with every
              dependency of the package and the ``test`` extra at the lowest version
              pyproject.toml declares (``==`` pins generated from its ``>=`` bounds).
- ``docs``    builds the executed HTML book into ``_build/html`` (every cell executed,
              warnings are errors) and then runs the book tests, which must not skip.
              Execution is forced when CI is set, else cached with the cache keyed on a
              hash of lrbook's source (conf.py; LRBOOK_NB_EXECUTION overrides).
              ``nox -s docs -- clean`` deletes the previous build first.
- ``pdf``     builds the PDF edition (Sphinx LaTeX builder + XeLaTeX + latexmk) into
              ``_build/latex/lrbook.pdf`` and tests it (marker ``pdf``). Needs Debian's
              latexmk, texlive-xetex, texlive-latex-extra, texlive-fonts-recommended,
              tex-gyre, fonts-freefont-otf, xindy and poppler-utils. A later ``docs``
              build copies the PDF into the HTML book and links it.
- ``browser`` the headless-Chromium test of the built book (run ``docs`` first).
- ``lint``    ruff check, ruff format --check, mypy on lrbook.
- ``codegen`` checks that lrbook/kernels.py is what lrbook.codegen generates now.
- ``bench``   benchmarks/run.py (prints and writes its table).
"""

from __future__ import annotations

import os
import shutil
import tomllib
from pathlib import Path

import nox
from packaging.requirements import Requirement

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["lint", "codegen", "tests", "docs", "browser"]
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).resolve().parent
BUILD = ROOT / "_build"
HTML = BUILD / "html"
LATEX = BUILD / "latex"
PDF = LATEX / "lrbook.pdf"
CHROMIUM = os.environ.get("LRBOOK_CHROMIUM", "/usr/bin/chromium")
PYPROJECT = ROOT / "pyproject.toml"
# Debian packages the PDF needs (the program each one provides, to check for it).
TEX_PROGRAMS = {
    "latexmk": "latexmk",
    "xelatex": "texlive-xetex",
    "xindy": "xindy",
    "pdftotext": "poppler-utils",
}


def _install(session: nox.Session, extras: str) -> None:
    """Install lrbook (editable, so doctests and the book use this tree) with extras."""
    session.install("-e", f".[{extras}]")


def _pytest(session: nox.Session, *args: str, env: dict[str, str] | None = None) -> None:
    # pytest exits 5 when it collects no test. Without extra arguments every session here
    # has tests to run, so that is a failure; with posargs (e.g. `-k name`) it is allowed.
    codes = [0, 5] if session.posargs else [0]
    session.run("pytest", *args, *session.posargs, env=env or {}, success_codes=codes)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite and the doctests of lrbook/."""
    _install(session, "test")
    _pytest(session, "tests", "lrbook")


def lowest_pins(extras: list[str], pyproject: Path = PYPROJECT) -> list[str]:
    """``name==version`` for every dependency of lrbook and ``extras``, at its lower bound.

    The lower bound is the version of the ``>=`` clause in pyproject.toml; a dependency
    without one is an error (every dependency must declare the oldest version it works
    with). ``lrbook[extra]`` entries are followed.
    """
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    optional = project.get("optional-dependencies", {})
    pins: dict[str, str] = {}
    todo = [("dependencies", list(project["dependencies"]))]
    todo += [(f"[{extra}]", list(optional[extra])) for extra in extras]
    seen: set[str] = set()
    while todo:
        where, requirements = todo.pop()
        for text in requirements:
            requirement = Requirement(text)
            if requirement.name == project["name"]:
                for extra in sorted(requirement.extras - seen):
                    seen.add(extra)
                    todo.append((f"[{extra}]", list(optional[extra])))
                continue
            lower = [spec.version for spec in requirement.specifier if spec.operator == ">="]
            if len(lower) != 1:
                raise ValueError(
                    f"pyproject.toml {where}: {text!r} has no single '>=' lower bound; "
                    "declare the oldest version lrbook works with, e.g. 'numpy>=1.26'"
                )
            pins[requirement.name] = f"{requirement.name}=={lower[0]}"
    return sorted(pins.values())


@nox.session
def minimum_versions(session: nox.Session) -> None:
    """The test suite with every dependency at the lowest version pyproject.toml declares."""
    pins = lowest_pins(["test"])
    constraints = Path(session.create_tmp()) / "lowest.txt"
    constraints.write_text("\n".join(pins) + "\n", encoding="utf-8")
    session.log("lowest declared versions: " + ", ".join(pins))
    # Wheels only: an old release without a wheel for this Python would otherwise be
    # compiled from source (slow, and not what a user of that Python gets either).
    session.install("--only-binary=:all:", "-c", str(constraints), *pins)
    session.install("-e", ".[test]", "-c", str(constraints))
    session.run("python", "-m", "pip", "check")
    session.run("python", "-m", "pip", "freeze", "--exclude-editable")
    # The built book and PDF are tested where they were built, with the versions they were
    # built with (glued numbers are compared with rtol 1e-9): point the tests at folders that
    # do not exist, so those tests skip while the book tests' own helpers (beautifulsoup4)
    # still run at the lowest versions.
    absent = Path(session.create_tmp()) / "no-build"
    _pytest(
        session,
        "-m",
        "not browser",
        "tests",
        "lrbook",
        env={"LRBOOK_HTML_DIR": str(absent / "html"), "LRBOOK_LATEX_DIR": str(absent / "latex")},
    )


@nox.session
def docs(session: nox.Session) -> None:
    """Build the executed HTML book (_build/html), then test it."""
    _install(session, "book,test")
    if "clean" in session.posargs:
        for folder in ("html", "jupyter_execute", "doctrees", ".jupyter_cache"):
            shutil.rmtree(BUILD / folder, ignore_errors=True)
    session.run(
        "sphinx-build",
        "-W",
        "--keep-going",
        "-j",
        "auto",
        "-b",
        "html",
        "-d",
        str(BUILD / "doctrees"),
        "-c",
        ".",
        "book",
        str(HTML),
    )
    session.log(f"Book built: open {HTML / 'index.html'} or `python -m http.server -d {HTML}`")
    session.run(
        "pytest",
        "-m",
        "book",
        "tests/test_book.py",
        "tests/test_book_notation.py",
        "tests/test_pdf.py",
        env={"LRBOOK_REQUIRE_BOOK": "1"},
    )


@nox.session
def pdf(session: nox.Session) -> None:
    """Build the PDF edition (_build/latex/lrbook.pdf) with XeLaTeX, then test it."""
    missing = [
        f"{package} ({program})"
        for program, package in TEX_PROGRAMS.items()
        if shutil.which(program) is None
    ]
    if missing:
        session.error(
            "the PDF needs Debian's latexmk, texlive-xetex, texlive-latex-extra, "
            "texlive-fonts-recommended, tex-gyre, fonts-freefont-otf, xindy and "
            f"poppler-utils; missing: {', '.join(missing)}"
        )
    _install(session, "book,test")
    shutil.rmtree(LATEX, ignore_errors=True)
    # Cells run as for the HTML book, from the same execution cache when `nox -s docs`
    # (without CI) filled it; LRBOOK_NB_EXECUTION overrides.
    execution = os.environ.get("LRBOOK_NB_EXECUTION", "cache")
    session.run(
        "sphinx-build",
        "-W",
        "--keep-going",
        "-b",
        "latex",
        "-d",
        str(BUILD / "doctrees-latex"),
        "-c",
        ".",
        "book",
        str(LATEX),
        env={"LRBOOK_NB_EXECUTION": execution},
    )
    with session.chdir(LATEX):
        session.run(
            "latexmk",
            "-pdfxe",
            "-interaction=nonstopmode",
            "-halt-on-error",
            "lrbook.tex",
            external=True,
            silent=True,
        )
    session.log(f"PDF built: {PDF} (`nox -s docs` now links it from the HTML book)")
    _pytest(session, "-m", "pdf", "tests/test_pdf.py", env={"LRBOOK_REQUIRE_PDF": "1"})


@nox.session
def browser(session: nox.Session) -> None:
    """Check the built book in headless Chromium (Debian's chromium; no browser download)."""
    if not (HTML / "index.html").is_file():
        session.error(f"{HTML / 'index.html'} is missing: run `nox -s docs` first")
    if not Path(CHROMIUM).exists():
        session.error(
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install chromium`) "
            "or point LRBOOK_CHROMIUM at a Chromium/Chrome binary"
        )
    _install(session, "browser")
    _pytest(
        session,
        "-m",
        "browser",
        "tests/test_browser.py",
        env={"LRBOOK_REQUIRE_BOOK": "1", "LRBOOK_REQUIRE_BROWSER": "1"},
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint and format) on the repository, mypy on lrbook/."""
    _install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session
def codegen(session: nox.Session) -> None:
    """Fail (with a diff) when lrbook/kernels.py is not what lrbook.codegen generates."""
    _install(session, "symbolic")
    session.run("python", "-m", "lrbook.codegen", "--check")


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks (benchmarks/run.py) and print their table."""
    script = ROOT / "benchmarks" / "run.py"
    if not script.is_file():
        session.skip("benchmarks/run.py does not exist yet")
    _install(session, "bench")
    session.run("python", str(script), *session.posargs)
