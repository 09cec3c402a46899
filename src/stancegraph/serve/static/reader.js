/* The reader: click a marked span to see what is anchored there; filter by actor or kind. */
"use strict";
(function () {
  var data = JSON.parse(document.getElementById("reader-data").textContent);
  var text = document.getElementById("text");
  var detail = document.getElementById("detail");
  var actorFilter = document.getElementById("actor-filter");
  var kindBoxes = Array.prototype.slice.call(document.querySelectorAll("#kind-filter input"));
  var count = document.getElementById("filter-count");
  var fragments = {};  // anchor IRI -> its mark and continuation marks
  Array.prototype.forEach.call(text.querySelectorAll("mark"), function (m) {
    var iri = m.getAttribute("data-anchor");
    (fragments[iri] = fragments[iri] || []).push(m);
  });

  function node(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content !== undefined) e.textContent = content;
    return e;
  }
  function term(v) {
    if (!v) return node("span", "", "");
    if (v.h) { var a = node("a", "", v.t); a.href = v.h; return a; }
    return node("span", v.iri ? "iri" : "literal", v.t);
  }

  function card(iri, how) {
    var n = data.nodes[iri];
    var box = node("div", "card k-" + (how === "hedge" ? "hedge" : (n ? n.kind : "none")));
    if (!n) { box.appendChild(node("p", "", iri)); return box; }
    var head = node("div", "card-head");
    head.appendChild(node("span", "kind", how === "hedge" ? "hedge words of this " + n.kind : n.kind));
    var title = n.href ? node("a", "title", n.label) : node("span", "title", n.label);
    if (n.href) title.href = n.href;
    head.appendChild(title);
    box.appendChild(head);
    if (n.chain.length) {
      var chain = node("ol", "chain");
      n.chain.forEach(function (step) {
        var li = node("li");
        li.appendChild(node("span", "role", step[0] + " "));
        li.appendChild(term(step[1]));
        if (step[2]) li.appendChild(node("span", "note", " (" + step[2] + ")"));
        chain.appendChild(li);
      });
      box.appendChild(chain);
    }
    var dl = node("dl");
    n.fields.forEach(function (f) {
      dl.appendChild(node("dt", "", f[0]));
      var dd = node("dd");
      f[1].forEach(function (v, i) { if (i) dd.appendChild(document.createTextNode(", ")); dd.appendChild(term(v)); });
      dl.appendChild(dd);
    });
    box.appendChild(dl);
    return box;
  }

  function show(marks) {
    while (detail.firstChild) detail.removeChild(detail.firstChild);
    Array.prototype.forEach.call(text.querySelectorAll("mark.selected"), function (m) { m.classList.remove("selected"); });
    var seen = {};
    marks.forEach(function (m) {
      var iri = m.getAttribute("data-anchor");
      if (seen[iri]) return;
      seen[iri] = true;
      fragments[iri].forEach(function (x) { x.classList.add("selected"); });
      var a = data.anchors[iri];
      var section = node("section", "anchored");
      section.setAttribute("data-anchor", iri);
      var q = node("blockquote", "quote", "“" + a.quote + "”");
      section.appendChild(q);
      var where = node("p", "where", "code points " + a.start + "–" + a.end + " · ");
      var link = node("a", "", "anchor");
      if (a.href) { link.href = a.href; where.appendChild(link); }
      section.appendChild(where);
      if (!a.nodes.length) section.appendChild(node("p", "empty", "Nothing in the graph points at this anchor."));
      a.nodes.forEach(function (pair) { section.appendChild(card(pair[0], pair[1])); });
      detail.appendChild(section);
    });
  }

  function around(m) {  // the mark and every mark it is inside, innermost first
    var marks = [];
    for (var x = m; x && x !== text; x = x.parentElement) if (x.tagName === "MARK") marks.push(x);
    return marks;
  }
  function open(event) {
    var m = event.target.closest("mark");
    if (!m || !text.contains(m)) return;
    show(around(m));
    var first = fragments[m.getAttribute("data-anchor")][0];
    if (first.id && window.history.replaceState) window.history.replaceState(null, "", "#" + first.id);
  }
  function openHash() {  // #anchor-N: that anchor, scrolled to, as if clicked
    var m = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
    if (!m || m.tagName !== "MARK" || !text.contains(m)) return;
    m.scrollIntoView({ block: "center" });
    show(around(m));
  }
  window.addEventListener("hashchange", openHash);
  text.addEventListener("click", open);
  text.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(e); } });

  function filter() {
    var actor = actorFilter.value;
    var kinds = {};
    kindBoxes.forEach(function (b) { if (b.checked) kinds[b.value] = true; });
    var shown = 0, total = 0;
    Array.prototype.forEach.call(text.querySelectorAll("mark.anchor"), function (m) {
      total += 1;
      var ok = (m.getAttribute("data-kinds") || "").split(" ").some(function (k) { return kinds[k]; });
      if (actor) ok = ok && (m.getAttribute("data-actors") || "").split(" ").indexOf(actor) >= 0;
      var iri = m.getAttribute("data-anchor");
      fragments[iri].forEach(function (x) { x.classList.toggle("dim", !ok); });
      if (ok) shown += 1;
    });
    count.textContent = shown + " of " + total + " spans shown";
  }
  actorFilter.addEventListener("change", filter);
  kindBoxes.forEach(function (b) { b.addEventListener("change", filter); });
  filter();
  openHash();
})();
