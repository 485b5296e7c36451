/* lrbook: search result snippets from the prose only.
 *
 * Sphinx's search shows, under each result, text around the first hit in the page's
 * HTML, code cells and raw TeX included (a snippet of `glue(...)` or of
 * `\begin{aligned}`). This drops code cells, their outputs and equations from that text
 * before Sphinx picks the snippet. (conf.py also keeps them out of the search index.)
 */
"use strict";
(() => {
  const NOT_PROSE = [
    "div.cell_input", "div.cell_output", "div.highlight", "pre", "div.math",
    "span.math", "mjx-container", ".toctree-wrapper", ".no-search"
  ].join(", ");
  const patch = () => {
    if (typeof Search === "undefined" || Search.lrbookPatched) return;
    const original = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => {
      const html = new DOMParser().parseFromString(htmlString, "text/html");
      html.querySelectorAll(NOT_PROSE).forEach((el) => el.remove());
      return original(html.documentElement.outerHTML, anchor).replace(/\s+/g, " ");
    };
    Search.lrbookPatched = true;
  };
  patch();
  document.addEventListener("DOMContentLoaded", patch);
})();
