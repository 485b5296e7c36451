/* lrbook: each step's justification beside it, or under it where there is no room.
 *
 * conf.py writes a derivation as a grid (div.lrbook-derivation > div.lrbook-steps): per
 * step its left-hand side, "= right-hand side" and its justification. Once MathJax has
 * typeset the page, and whenever a derivation's width changes (window resized, a
 * dropdown opened), each derivation whose justifications do not fit beside its steps -
 * and every derivation on a narrow screen - gets the class lrbook-stacked, which sets
 * each justification on a row of its own under its step (lrbook.css).
 */
"use strict";
(() => {
  const STACKED = "lrbook-stacked";
  const narrow = window.matchMedia("(max-width: 600px)");
  const layOut = (block) => {
    const steps = block.querySelector(":scope > .lrbook-steps");
    if (!steps || steps.clientWidth === 0) return;  // hidden: laid out when shown
    block.classList.remove(STACKED);
    if (!narrow.matches && steps.scrollWidth <= steps.clientWidth + 1) return;
    block.classList.add(STACKED);
    // A justification starts under the right-hand sides (at most a quarter of the box
    // in) and wraps within the visible box, also when the steps are wider than the box
    // (they scroll sideways).
    const rhs = steps.querySelector(":scope > .lrbook-rhs");
    const left = rhs.getBoundingClientRect().left - steps.getBoundingClientRect().left;
    const indent = Math.max(Math.min(left + steps.scrollLeft, steps.clientWidth / 4), 0);
    block.style.setProperty("--lrbook-why-indent", `${Math.round(indent)}px`);
    block.style.setProperty("--lrbook-why-room", `${Math.round(steps.clientWidth - indent)}px`);
  };
  const start = () => {
    const blocks = document.querySelectorAll("div.lrbook-derivation");
    if (blocks.length === 0) return;
    // A block changes size when the window does or when it is shown (a dropdown opens);
    // its cells when their contents do (fonts arriving, MathJax re-rendering).
    // (Laid out in the next frame, not inside the observer's callback: changing the
    // size of an observed element there is a "ResizeObserver loop" error.)
    const observer = new ResizeObserver((entries) => {
      const changed = new Set(entries.map((e) => e.target.closest("div.lrbook-derivation")));
      requestAnimationFrame(() => changed.forEach(layOut));
    });
    for (const block of blocks) {
      layOut(block);
      observer.observe(block);
      block.querySelectorAll(":scope > .lrbook-steps > span").forEach((c) => observer.observe(c));
    }
    document.fonts.ready.then(() => blocks.forEach(layOut));
  };
  window.addEventListener("load", () => {
    const startup = window.MathJax && window.MathJax.startup;
    (startup && startup.promise ? startup.promise : Promise.resolve()).then(start);
  });
})();
