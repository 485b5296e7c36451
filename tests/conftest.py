"""Shared fixtures for the tests of the built book (markers ``book`` and ``browser``).

The book tests need ``_build/html`` (``nox -s docs`` builds it). When it is missing they
are skipped with the reason, so ``pytest`` works on a fresh clone; the ``docs`` and
``browser`` nox sessions set ``LRBOOK_REQUIRE_BOOK=1`` and then a missing build is a
failure, not a skip. ``LRBOOK_REQUIRE_BROWSER=1`` does the same for a missing Chromium.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOK_DIR = ROOT / "book"
HTML_DIR = Path(os.environ.get("LRBOOK_HTML_DIR", ROOT / "_build" / "html")).resolve()
SCREENSHOT_DIR = Path(
    os.environ.get("LRBOOK_SCREENSHOT_DIR", ROOT / "_build" / "screenshots")
).resolve()


def _required(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in {"", "0", "false", "no"}


@pytest.fixture(scope="session")
def html_dir() -> Path:
    """The built HTML book; skip (or fail under ``LRBOOK_REQUIRE_BOOK=1``) when missing."""
    if not (HTML_DIR / "index.html").is_file():
        message = (
            f"the built book is missing: {HTML_DIR / 'index.html'} does not exist; "
            "build it first with `nox -s docs` (or "
            "`sphinx-build -W --keep-going -c . book _build/html`)"
        )
        if _required("LRBOOK_REQUIRE_BOOK"):
            pytest.fail(message)
        pytest.skip(message)
    return HTML_DIR


@pytest.fixture(scope="session")
def book_dir() -> Path:
    """The MyST sources of the book."""
    return BOOK_DIR


@pytest.fixture(scope="module")
def screenshot_dir(request: pytest.FixtureRequest) -> Path:
    """An emptied folder for the browser test's screenshots (named at the end of the run)."""
    if SCREENSHOT_DIR.exists():
        shutil.rmtree(SCREENSHOT_DIR)
    SCREENSHOT_DIR.mkdir(parents=True)
    request.config._lrbook_screenshots = 0  # type: ignore[attr-defined]
    return SCREENSHOT_DIR


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Say where the browser test saved its screenshots."""
    if getattr(config, "_lrbook_screenshots", 0):
        terminalreporter.write_line(
            f"lrbook: {config._lrbook_screenshots} full-page screenshots saved to {SCREENSHOT_DIR}"
        )
