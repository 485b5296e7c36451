"""The built book in a real headless Chromium (marker ``browser``).

Serves ``_build/html`` on 127.0.0.1 and drives Debian's ``/usr/bin/chromium`` with
playwright-python (``executable_path``; ``playwright install`` is never needed). Every page
is visited and must: log no console error, request nothing from a host other than
127.0.0.1, load every ``<img>``, and typeset every equation (no MathJax error node, no raw
TeX such as ``$$`` or ``\\frac`` left in the visible text). The search page must find
"sigmoid", an exercise solution dropdown must open on click, code cells must carry a copy
button, and a full-page screenshot of each page is saved (the folder is printed at the
end of the run). ``test_checks_catch_a_broken_site`` proves the same checks fail on a
deliberately broken little site.

Skipped when the book or Chromium is missing, unless ``LRBOOK_REQUIRE_BOOK=1`` /
``LRBOOK_REQUIRE_BROWSER=1`` (the ``browser`` nox session sets both).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("LRBOOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
ALLOWED_HOSTS = {"127.0.0.1"}
TIMEOUT_MS = 60_000
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads"}


# -- Infrastructure ------------------------------------------------------------------------
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@functools.cache
def _chromium_problem() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} not found (Debian: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install '.[browser]')"
    return None


def _require_chromium() -> None:
    problem = _chromium_problem()
    if problem is None:
        return
    if os.environ.get("LRBOOK_REQUIRE_BROWSER", "") not in {"", "0"}:
        pytest.fail(problem)
    pytest.skip(problem)


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) in a thread; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A fresh Chromium profile (persistent context) in headless mode."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="module")
def book_url(html_dir: Path) -> Iterator[str]:
    with serve(html_dir) as url:
        yield url


def html_pages(root: Path) -> list[str]:
    """Relative paths of the HTML pages of a built site (not theme templates)."""
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*.html")
        if not SKIP_DIRS.intersection(path.relative_to(root).parts)
    )


# -- The checks (also run on a broken site by test_checks_catch_a_broken_site) --------------
WAIT_FOR_MATHJAX = """async () => {
  if (!document.querySelector('script[src*="mathjax"]')) return 'no MathJax on the page';
  for (let i = 0; i < 600; i++) {
    if (window.MathJax && window.MathJax.startup && window.MathJax.startup.promise) break;
    await new Promise(r => setTimeout(r, 50));
  }
  if (!(window.MathJax && window.MathJax.startup && window.MathJax.startup.promise)) {
    return 'MathJax did not start';
  }
  await window.MathJax.startup.promise;
  return 'typeset';
}"""

BROKEN_IMAGES = """async () => {
  const images = Array.from(document.images);
  images.forEach(img => { img.loading = 'eager'; });
  await Promise.all(images.map(img => img.complete ? null : new Promise(resolve => {
    img.addEventListener('load', resolve, {once: true});
    img.addEventListener('error', resolve, {once: true});
    setTimeout(resolve, 15000);
  })));
  return images.filter(img => !(img.complete && img.naturalWidth > 0))
               .map(img => 'image not loaded: ' + img.getAttribute('src'));
}"""

MATH_PROBLEMS = r"""() => {
  const problems = [];
  const root = document.body;
  for (const node of root.querySelectorAll('mjx-merror, [data-mjx-error], .MathJax_Error')) {
    problems.push('MathJax error node: ' + (node.getAttribute('data-mjx-error') || node.textContent));
  }
  for (const node of root.querySelectorAll('.math')) {
    if (!node.querySelector('mjx-container') && !node.closest('mjx-container')) {
      problems.push('equation not typeset: ' + node.textContent.trim().slice(0, 80));
    }
  }
  const skip = 'pre, code, script, style, textarea, mjx-container, .highlight, .cell_input';
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let text = '';
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (parent && !parent.closest(skip)) text += walker.currentNode.textContent + ' ';
  }
  for (const token of ['$$', '\\frac', '\\(', '\\[', '\\begin{', '\\sigma']) {
    const at = text.indexOf(token);
    if (at >= 0) {
      problems.push('raw TeX ' + token + ' in the rendered text: ...' +
                    text.slice(Math.max(0, at - 40), at + 40).replace(/\s+/g, ' ') + '...');
    }
  }
  return problems;
}"""


def check_page(context: Any, url: str, screenshot: Path | None = None) -> list[str]:
    """Visit ``url`` and return every problem found (an empty list for a good page)."""
    page = context.new_page()
    problems: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    def on_route(route: Any) -> None:
        parsed = urlparse(route.request.url)
        if parsed.scheme in {"http", "https", "ws", "wss"} and parsed.hostname not in ALLOWED_HOSTS:
            problems.append(f"request to a host other than 127.0.0.1: {route.request.url}")
            route.abort()
        else:
            route.continue_()

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.route("**/*", on_route)
    try:
        page.goto(url, wait_until="load")
        state = page.evaluate(WAIT_FOR_MATHJAX)
        if state == "MathJax did not start":
            problems.append("MathJax did not start")
        problems.extend(page.evaluate(BROKEN_IMAGES))
        problems.extend(page.evaluate(MATH_PROBLEMS))
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
    finally:
        page.close()
    return problems


# -- The book --------------------------------------------------------------------------------
# Collected at import time; when the book is missing this is empty and
# test_book_has_pages skips (or fails under LRBOOK_REQUIRE_BOOK=1).
BOOK_PAGES = html_pages(
    Path(
        os.environ.get("LRBOOK_HTML_DIR", Path(__file__).resolve().parent.parent / "_build/html")
    ).resolve()
)


def test_book_has_pages(html_dir: Path) -> None:
    pages = html_pages(html_dir)
    assert "index.html" in pages, pages
    assert "search.html" in pages, pages


@pytest.mark.parametrize("page", BOOK_PAGES)
def test_page_renders_offline(
    browser: Any, book_url: str, screenshot_dir: Path, request: pytest.FixtureRequest, page: str
) -> None:
    shot = screenshot_dir / (page.replace("/", "__").removesuffix(".html") + ".png")
    problems = check_page(browser, book_url + page, screenshot=shot)
    request.config._lrbook_screenshots += 1  # type: ignore[attr-defined]
    assert not problems, f"{page}:\n" + "\n".join(problems)


def test_search_finds_sigmoid(browser: Any, book_url: str) -> None:
    page = browser.new_page()
    try:
        page.goto(book_url + "search.html?q=sigmoid", wait_until="load")
        results = page.locator("#search-results li")
        results.first.wait_for(state="attached")
        assert results.count() > 0
        assert "sigmoid" in results.first.inner_text().lower()
    finally:
        page.close()


def _pages_with(html_dir: Path, needle: str) -> list[str]:
    return [p for p in html_pages(html_dir) if needle in (html_dir / p).read_text("utf-8")]


def test_solution_dropdown_opens_on_click(browser: Any, book_url: str, html_dir: Path) -> None:
    pages = _pages_with(html_dir, 'class="solution dropdown')
    assert pages, "no page has an exercise solution in a dropdown"
    page = browser.new_page()
    try:
        page.goto(book_url + pages[0], wait_until="load")
        solution = page.locator("div.solution.dropdown").first
        body = solution.locator(":scope > :not(.admonition-title)").first
        assert not body.is_visible(), "the solution should be hidden before the click"
        solution.locator(".admonition-title").first.click()
        body.wait_for(state="visible")
        assert body.is_visible()
    finally:
        page.close()


def test_code_cells_have_a_copy_button(browser: Any, book_url: str, html_dir: Path) -> None:
    pages = _pages_with(html_dir, 'class="cell_input')
    assert pages, "no page has a code cell"
    page = browser.new_page()
    try:
        for name in pages:
            page.goto(book_url + name, wait_until="load")
            cells = page.locator("div.cell_input").count()
            buttons = page.locator("div.cell_input button.copybtn")
            buttons.first.wait_for(state="attached")
            assert buttons.count() == cells, (
                f"{name}: {buttons.count()} copy buttons, {cells} cells"
            )
    finally:
        page.close()


# -- The checks fail on a broken site ------------------------------------------------------
BROKEN_SITE = {
    "broken_image.html": '<html><body><main><p>Figure:</p><img src="missing.png"></main></body></html>',
    "raw_math.html": r"<html><body><main><p>$$\frac{1}{2}$$</p></main></body></html>",
    "untypeset.html": (
        r'<html><body><main><span class="math notranslate nohighlight">\(\sigma(z)\)</span>'
        "</main></body></html>"
    ),
    "mathjax_error.html": (
        '<html><body><main><mjx-container><mjx-merror data-mjx-error="Missing close brace">'
        "</mjx-merror></mjx-container></main></body></html>"
    ),
    "external.html": (
        '<html><body><main><img src="https://cdn.example.invalid/logo.png"></main></body></html>'
    ),
    "console.html": '<html><body><script>console.error("boom")</script></body></html>',
    "good.html": "<html><body><main><p>All fine: 1/2.</p></main></body></html>",
}
EXPECTED_PROBLEM = {
    "broken_image.html": "image not loaded: missing.png",
    "raw_math.html": r"raw TeX $$",
    "untypeset.html": "equation not typeset",
    "mathjax_error.html": "MathJax error node: Missing close brace",
    "external.html": "request to a host other than 127.0.0.1",
    "console.html": "console error: boom",
}


def test_checks_catch_a_broken_site(browser: Any, tmp_path: Path) -> None:
    for name, html in BROKEN_SITE.items():
        (tmp_path / name).write_text(html, encoding="utf-8")
    with serve(tmp_path) as url:
        for name in BROKEN_SITE:
            problems = check_page(browser, url + name)
            if name == "good.html":
                assert problems == [], problems
            else:
                assert any(EXPECTED_PROBLEM[name] in p for p in problems), (name, problems)
