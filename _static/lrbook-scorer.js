/* lrbook: search ranking (html_search_scorer). Sphinx's default weights, plus: a page
 * whose own title names every word of the query ("softmax" -> "Softmax regression")
 * ranks above pages that only mention it, and prose ranks above API entries. */
var Scorer = {
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
  score: (result) => {
    const [docname, title, anchor, descr, score, filename, kind] = result;
    let bonus = 0;
    try {
      const query = new URLSearchParams(window.location.search).get("q") || "";
      const words = query.toLowerCase().split(/\s+/).filter((w) => w.length > 2);
      const index = Search._index;
      const at = index.docnames.indexOf(docname);
      const pageTitle = at >= 0 ? index.titles[at].toLowerCase() : "";
      const sectionTitle = (title || "").toLowerCase();
      if (words.length && words.every((w) => pageTitle.includes(w))) bonus += 30;
      else if (words.length && words.every((w) => sectionTitle.includes(w))) bonus += 10;
      if (kind === "object") bonus -= 10;
    } catch (error) {
      return score;
    }
    return score + bonus;
  },
};
