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


# Opens every exercise solution (sphinx-togglebutton) and <details>, so that what is inside
# them is measured and photographed too.
OPEN_SOLUTIONS = """async () => {
  for (const button of document.querySelectorAll('button.toggle-button')) {
    if (!button.classList.contains('toggle-button-hidden')) continue;
    button.click();
  }
  for (const details of document.querySelectorAll('details')) details.open = true;
  await new Promise(r => setTimeout(r, 300));
}"""

# Horizontal overflow of code, outputs, tables and display maths, and overlap of equation
# numbers with their equations. ``strict`` (desktop width): nothing may be wider than the
# text column, not even inside a box that scrolls - except the explicit instance a
# derivation was proved on, inside a "How this was verified" dropdown (class
# lrbook-instance): machine-sized by nature, it scrolls in its box. Otherwise (phone width): wide content
# must scroll inside its own box, which itself fits the column, and nothing may overlap.
LAYOUT_PROBLEMS = r"""(strict) => {
  const problems = [];
  const article = document.querySelector('article.bd-article') ||
                  document.querySelector('main') || document.body;
  const column = article.getBoundingClientRect();
  const slack = 1;
  const name = (el) => {
    const text = (el.innerText || el.textContent || '').trim().replace(/\s+/g, ' ');
    const cls = (typeof el.className === 'string' && el.className) ?
                '.' + el.className.trim().split(/\s+/).join('.') : '';
    const where = el.closest('section[id]');
    return el.tagName.toLowerCase() + cls + (where ? ' in #' + where.id : '') +
           ' "' + text.slice(0, 60) + '"';
  };
  const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  const selector = [
    'pre', 'table', 'div.math', 'mjx-container[display="true"]', 'div.lrbook-steps',
    'div.cell_output .output', 'figure', 'img', 'dl', 'dt.sig'
  ].join(', ');
  const seen = new Set();
  for (const el of article.querySelectorAll(selector)) {
    if (!visible(el)) continue;
    let box = null;  // the nearest box (itself or an ancestor) that scrolls sideways
    for (let a = el; a && a !== article; a = a.parentElement) {
      if (scrolls(a)) { box = a; break; }
    }
    const r = el.getBoundingClientRect();
    let problem = null;
    if (box === null) {
      if (r.right > column.right + slack || r.left < column.left - slack) {
        problem = `wider than its column (${Math.round(r.width)} px, column ` +
                  `${Math.round(column.width)} px) and not in a box that scrolls`;
      } else if (el.scrollWidth > el.clientWidth + slack && el.clientWidth > 0) {
        problem = `wider than its column: ${el.scrollWidth} px of content spill out of ` +
                  `its ${el.clientWidth} px box`;
      }
    } else {
      const b = box.getBoundingClientRect();
      if (b.right > column.right + slack || b.left < column.left - slack) {
        problem = `its scroll box (${Math.round(b.width)} px) is wider than the column ` +
                  `(${Math.round(column.width)} px)`;
      } else if (strict && box.scrollWidth > box.clientWidth + slack &&
                 !el.closest('.lrbook-instance')) {
        problem = `wider than its column: ${box.scrollWidth} px of content in a ` +
                  `${box.clientWidth} px box (scrolls sideways at desktop width)`;
      }
      if (problem) { if (seen.has(box)) continue; seen.add(box); }
    }
    if (problem) problems.push('overflow: ' + name(el) + ': ' + problem);
  }
  const page = document.scrollingElement || document.documentElement;
  if (page.scrollWidth > window.innerWidth + slack) {
    problems.push(`overflow: the page scrolls sideways (${page.scrollWidth} px content in ` +
                  `a ${window.innerWidth} px window)`);
  }
  // Equation numbers must not overlap their equation.
  const intersects = (a, b) => a.left < b.right - slack && b.left < a.right - slack &&
                               a.top < b.bottom - slack && b.top < a.bottom - slack;
  for (const number of article.querySelectorAll('div.math span.eqno, mjx-labels')) {
    if (!visible(number)) continue;
    const equation = number.closest('div.math, mjx-container');
    const body = equation && equation.querySelector('mjx-math, mjx-itable');
    if (!body) continue;
    let shown = body.getBoundingClientRect();
    // only the part of the equation its scroll box shows can be hidden by the number
    for (let a = body.parentElement; a && a !== article; a = a.parentElement) {
      if (scrolls(a)) {
        const b = a.getBoundingClientRect();
        shown = {left: Math.max(shown.left, b.left), right: Math.min(shown.right, b.right),
                 top: Math.max(shown.top, b.top), bottom: Math.min(shown.bottom, b.bottom)};
      }
    }
    const n = number.getBoundingClientRect();
    if (intersects(n, shown)) {
      problems.push('overlap: equation number ' + number.textContent.trim() +
                    ' overlaps its equation ' + name(equation));
    }
  }
  return problems;
}"""

# Where each step's justification is (conf.py writes derivations as a grid of lhs, "= rhs"
# and justification cells): ``strict`` (desktop width) beside its step, to the right of
# its right-hand side on the same line - except in the explicit instances of "How this
# was verified" dropdowns (machine-sized, they may stack); otherwise (phone width) on a
# row of its own under its step.
JUSTIFICATION_PROBLEMS = r"""(strict) => {
  const problems = [];
  const slack = 1;
  for (const block of document.querySelectorAll('div.lrbook-derivation')) {
    const cells = Array.from(block.querySelectorAll(':scope > .lrbook-steps > span'));
    for (let i = 2; i < cells.length; i += 3) {
      const rhs = cells[i - 1].getBoundingClientRect();
      const why = cells[i].getBoundingClientRect();
      const text = cells[i].textContent.trim();
      if (!text || why.width === 0 || rhs.width === 0) continue;
      const beside = why.left >= rhs.right - slack && why.top < rhs.bottom &&
                     why.bottom > rhs.top;
      const under = why.top >= rhs.bottom - slack;
      const where = block.closest('section[id]');
      const name = `"${text.slice(0, 50)}"` + (where ? ' in #' + where.id : '');
      if (strict && !beside && !block.closest('.lrbook-instance')) {
        problems.push(`justification not beside its step: ${name}`);
      } else if (!strict && !under) {
        problems.push(`justification not under its step: ${name}`);
      }
    }
  }
  return problems;
}"""

WIDTHS = {"desktop": 1280, "phone": 390}


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


def check_layout(context: Any, url: str, width: int, screenshot: Path | None = None) -> list[str]:
    """Visit ``url`` at ``width`` px with every solution open; return the layout problems.

    At desktop width (>= 1000 px) nothing may be wider than the text column; at phone
    width wide content must scroll inside its own box and nothing may overlap.
    """
    page = context.new_page()
    try:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url, wait_until="load")
        page.evaluate(WAIT_FOR_MATHJAX)
        page.evaluate(OPEN_SOLUTIONS)
        page.evaluate(BROKEN_IMAGES)  # images have their size before measuring
        problems = list(page.evaluate(LAYOUT_PROBLEMS, width >= 1000))
        problems += page.evaluate(JUSTIFICATION_PROBLEMS, width >= 1000)
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
    finally:
        page.close()
    return [f"at {width} px: {problem}" for problem in problems]


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
def test_page_renders_offline(browser: Any, book_url: str, page: str) -> None:
    problems = check_page(browser, book_url + page)
    assert not problems, f"{page}:\n" + "\n".join(problems)


@pytest.mark.parametrize("width", sorted(WIDTHS.values(), reverse=True))
@pytest.mark.parametrize("page", BOOK_PAGES)
def test_nothing_overflows_or_overlaps(
    browser: Any,
    book_url: str,
    screenshot_dir: Path,
    request: pytest.FixtureRequest,
    page: str,
    width: int,
) -> None:
    """Code, outputs, tables and equations fit their column; screenshots (solutions open)."""
    stem = page.replace("/", "__").removesuffix(".html")
    shot = screenshot_dir / f"{stem}-{width}px.png"
    problems = check_layout(browser, book_url + page, width, screenshot=shot)
    request.config._lrbook_screenshots += 1  # type: ignore[attr-defined]
    assert not problems, f"{page}:\n" + "\n".join(problems)


# A chapter's topic -> the page a search for it must rank first.
SEARCH_TOPICS = {
    "softmax": "09_softmax",
    "learning rate": "07_gradient_descent",
    "sigmoid": "02_sigmoid",
    "backpropagation": "10_backprop",
    "vectorisation": "06_vectorisation",
}
TOP_RESULTS = 5  # the results a reader looks at
# What must not show in a result's snippet: code and raw TeX.
NOT_PROSE = ["glue(", "claim(", "\\begin{", "\\frac", "\\mathrm", "import "]


def search(context: Any, book_url: str, query: str) -> list[dict[str, str]]:
    """Run a query on the book's search page; return each result's link and snippet."""
    page = context.new_page()
    try:
        page.goto(book_url + "search.html?q=" + query.replace(" ", "+"), wait_until="load")
        # Sphinx adds the results one by one, in rank order (fetching each page for its
        # snippet): the first TOP_RESULTS are final once they are there
        page.wait_for_function(
            "(n) => { if (typeof Search === 'undefined') return false;"
            " const shown = document.querySelectorAll('#search-results ul.search > li');"
            " return shown.length >= n || (Search._pulse_status === -1 && shown.length > 0); }",
            arg=TOP_RESULTS,
        )
        page.wait_for_load_state("networkidle")
        return page.evaluate(
            """() => Array.from(document.querySelectorAll('#search-results ul.search > li'))
                 .map(li => ({href: li.querySelector('a').getAttribute('href'),
                              snippet: (li.querySelector('p.context') || {}).textContent
                                       || ''}))"""
        )[:TOP_RESULTS]
    finally:
        page.close()


@pytest.mark.parametrize("query", sorted(SEARCH_TOPICS))
def test_search_ranks_the_chapter_first(browser: Any, book_url: str, query: str) -> None:
    results = search(browser, book_url, query)
    assert results, f"no result for {query!r}"
    first = results[0]["href"].split("#")[0].removesuffix(".html").split("/")[-1]
    ranking = [r["href"] for r in results[:5]]
    assert first == SEARCH_TOPICS[query], f"{query!r}: first results {ranking}"


@pytest.mark.parametrize("query", sorted(SEARCH_TOPICS))
def test_search_snippets_show_prose(browser: Any, book_url: str, query: str) -> None:
    results = search(browser, book_url, query)
    snippets = [r["snippet"] for r in results if r["snippet"]]
    assert snippets, f"no result of {query!r} has a snippet"
    bad = [
        (r["href"], r["snippet"][:120])
        for r in results
        if any(token in r["snippet"] for token in NOT_PROSE)
    ]
    assert not bad, f"{query!r}: snippets with code or raw TeX: {bad}"


SEARCH_CONTROLS = (
    "input[type=search], input[name=q], button.search-button__button, "
    "button.search-button-field, .search-button-field"
)


@pytest.mark.parametrize("width", sorted(WIDTHS.values(), reverse=True))
def test_one_search_box(browser: Any, book_url: str, width: int) -> None:
    page = browser.new_page()
    try:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(book_url + "01_linear_regression.html", wait_until="load")
        visible = page.evaluate(
            """(selector) => Array.from(document.querySelectorAll(selector))
                 .filter(el => !el.closest('.search-button__wrapper'))
                 .filter(el => { const r = el.getBoundingClientRect();
                                 const s = getComputedStyle(el);
                                 return r.width > 0 && r.height > 0 &&
                                        s.visibility !== 'hidden' &&
                                        r.right > 0 && r.left < window.innerWidth; })
                 .map(el => el.outerHTML.slice(0, 80))""",
            SEARCH_CONTROLS,
        )
        assert len(visible) == 1, f"at {width} px, {len(visible)} search controls: {visible}"
    finally:
        page.close()


def test_favicon(browser: Any, book_url: str) -> None:
    page = browser.new_page()
    try:
        page.goto(book_url + "index.html", wait_until="load")
        href = page.evaluate(
            "() => { const l = document.querySelector('link[rel~=icon]');"
            " return l ? l.href : null; }"
        )
        assert href, "no <link rel=icon> on the front page"
        response = page.request.get(href)
        assert response.ok, (href, response.status)
        assert response.body(), href
    finally:
        page.close()


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
_PAGE = (
    "<html><head><style>body{margin:0} main{width:300px;margin:0 40px}</style></head>"
    "<body><main><article class='bd-article'>%s</article></main></body></html>"
)
# A derivation grid (as conf.py writes it) with its justification under / beside its step
_DERIVATION = (
    "<div class='math lrbook-derivation'><div class='lrbook-steps' style='display:grid;"
    "grid-template-columns:{columns}'><span class='lrbook-lhs'>a</span><span "
    "class='lrbook-rhs'>= b</span><span class='lrbook-why' style='grid-column:{why}'>"
    "why</span></div></div>"
)
LAYOUT_SITE = {
    "wide_pre.html": _PAGE % ("<pre style='overflow:visible'>" + "x" * 200 + "</pre>"),
    "scrolled_table.html": _PAGE
    % ("<div style='overflow-x:auto'><table><tr><td>" + "y" * 200 + "</td></tr></table></div>"),
    "overlap.html": _PAGE
    % (
        "<div class='math' style='position:relative'><span class='eqno' "
        "style='position:absolute;left:0'>(1)</span><mjx-container><mjx-math "
        "style='display:inline-block;width:200px'>x</mjx-math></mjx-container></div>"
    ),
    "fits.html": _PAGE % "<pre>short</pre><table><tr><td>1</td></tr></table>",
    "stacked.html": _PAGE % _DERIVATION.format(columns="max-content max-content", why=2),
    "beside.html": _PAGE % _DERIVATION.format(columns="max-content max-content auto", why=3),
}
# page -> (problem expected at 1280 px, problem expected at 390 px); None: no problem
EXPECTED_LAYOUT = {
    "wide_pre.html": ("wider than its column", "wider than its column"),
    "scrolled_table.html": ("scrolls sideways at desktop width", None),
    "overlap.html": ("overlaps its equation", "overlaps its equation"),
    "fits.html": (None, None),
    "stacked.html": ("justification not beside its step", None),
    "beside.html": (None, "justification not under its step"),
}


def test_layout_checks_catch_a_broken_site(browser: Any, tmp_path: Path) -> None:
    for name, html in LAYOUT_SITE.items():
        (tmp_path / name).write_text(html, encoding="utf-8")
    with serve(tmp_path) as url:
        for name, expected in EXPECTED_LAYOUT.items():
            for width, problem in zip((1280, 390), expected, strict=True):
                found = check_layout(browser, url + name, width)
                if problem is None:
                    assert found == [], (name, width, found)
                else:
                    assert any(problem in p for p in found), (name, width, found)


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
