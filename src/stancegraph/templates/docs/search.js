/* stancegraph docs: search the labels of the site, in the page, with no network.
 * The index is search-index.js (window.STANCEGRAPH_SEARCH, written with the site; search.json
 * holds the same entries): {l: label, a: other names, k: what it is, h: page from the root}.
 * Every word typed must start a word of the label or of another name (case and accents ignored);
 * labels that start with the query come first, then actors, then the rest by label. Enter opens
 * the first result; the arrow keys move through them, Escape closes the list. */
(function () {
  "use strict";
  var script = document.currentScript;
  var root = (script && script.getAttribute("data-root")) || "";
  var input = document.getElementById("site-search");
  var list = document.getElementById("search-results");
  var index = window.STANCEGRAPH_SEARCH;
  if (!input || !list) return;
  if (!Array.isArray(index)) {
    input.disabled = true;
    input.placeholder = "search index missing";
    return;
  }
  var MAX = 20;

  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function words(text) {
    return fold(text).split(/[^a-z0-9\u0080-\uffff]+/).filter(Boolean);
  }
  var prepared = index.map(function (e, i) {
    var names = [e.l].concat(e.a || []);
    var all = [];
    names.forEach(function (n) { all = all.concat(words(n)); });
    return { entry: e, order: i, label: fold(e.l), words: all };
  });

  function matches(p, query) {
    return query.every(function (q) {
      return p.words.some(function (w) { return w.indexOf(q) === 0; });
    });
  }
  function rank(p, text) {
    var actor = p.entry.k.indexOf("actor") === 0 ? 0 : 1;
    return [p.label.indexOf(text) === 0 ? 0 : 1, actor, p.label, p.order];
  }
  function compare(a, b) {
    for (var i = 0; i < a.rank.length; i++) {
      if (a.rank[i] < b.rank[i]) return -1;
      if (a.rank[i] > b.rank[i]) return 1;
    }
    return 0;
  }

  function show() {
    var text = fold(input.value.trim());
    var query = words(input.value);
    list.textContent = "";
    if (!query.length) { list.hidden = true; return; }
    var found = prepared.filter(function (p) { return matches(p, query); })
      .map(function (p) { return { p: p, rank: rank(p, text) }; })
      .sort(compare);
    if (!found.length) {
      var none = document.createElement("li");
      none.className = "none";
      none.textContent = "Nothing is labelled so.";
      list.appendChild(none);
    }
    found.slice(0, MAX).forEach(function (f) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = root + f.p.entry.h;
      a.textContent = f.p.entry.l;
      var kind = document.createElement("span");
      kind.className = "kind-of";
      kind.textContent = f.p.entry.k;
      a.appendChild(kind);
      li.appendChild(a);
      list.appendChild(li);
    });
    if (found.length > MAX) {
      var more = document.createElement("li");
      more.className = "none";
      more.textContent = (found.length - MAX) + " more: type more of the name";
      list.appendChild(more);
    }
    list.hidden = false;
  }

  function move(step) {
    var links = Array.prototype.slice.call(list.querySelectorAll("a"));
    if (!links.length) return;
    var at = links.indexOf(document.activeElement);
    if (at < 0 && step < 0) return;
    var next = at + step;
    if (next < 0) { input.focus(); return; }
    links[Math.min(next, links.length - 1)].focus();
  }

  var closed = false; // Escape closes the list until the reader types again
  function close() { closed = true; list.hidden = true; }

  input.addEventListener("input", function () { closed = false; show(); });
  input.addEventListener("focus", function () { if (!closed) show(); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      var first = list.querySelector("a");
      if (first) window.location.href = first.href;
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      move(1);
    } else if (event.key === "Escape") {
      close();
    }
  });
  list.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Escape") {
      close();
      input.focus();
    }
  });
  document.addEventListener("click", function (event) {
    if (!list.contains(event.target) && event.target !== input) list.hidden = true;
  });
})();
