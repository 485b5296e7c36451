"""Developer and CI sessions for lrbook: ``nox -s <session>`` (``nox -l`` lists them).

Dependencies come from the extras in pyproject.toml (``.[test]``, ``.[book]``, ...), never
repeated here. CI (``.ci/run`` and ``.github/workflows``) calls these same sessions.

- ``tests``   the whole pytest suite plus the doctests in ``lrbook/``; the tests of the
              built book (markers ``book``/``browser``) run too when ``_build/html`` exists
              (and Chromium, for ``browser``), otherwise they are skipped with the reason.
- ``docs``    builds the executed HTML book into ``_build/html`` (every cell executed,
              warnings are errors) and then runs the book tests, which must not skip.
              Execution is forced when CI is set, else cached with the cache keyed on a
              hash of lrbook's source (conf.py; LRBOOK_NB_EXECUTION overrides).
              ``nox -s docs -- clean`` deletes the previous build first.
- ``browser`` the headless-Chromium test of the built book (run ``docs`` first).
- ``lint``    ruff check, ruff format --check, mypy on lrbook.
- ``codegen`` checks that lrbook/kernels.py is what lrbook.codegen generates now.
- ``bench``   benchmarks/run.py (prints and writes its table).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["lint", "codegen", "tests", "docs", "browser"]
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).resolve().parent
BUILD = ROOT / "_build"
HTML = BUILD / "html"
CHROMIUM = os.environ.get("LRBOOK_CHROMIUM", "/usr/bin/chromium")


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
        env={"LRBOOK_REQUIRE_BOOK": "1"},
    )


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
