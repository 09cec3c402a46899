/* The actor network, drawn as SVG from the facts the server sends (plots.network_facts, placed
   by plots.network_layout); filtered by source, actor and kind; hover for the statement. */
"use strict";
(function () {
  var data = SG.data("network-data");
  var svg = document.getElementById("network");
  var count = document.getElementById("count");
  var hover = SG.hover(document.getElementById("hover"));
  var byId = {};
  data.nodes.forEach(function (n) { byId[n.id] = n; });
  var SCALE = 46, PAD = 90;
  var minX = 0, maxX = 0, minY = 0, maxY = 0;
  function frame(nodes) {  // the drawing is cut to the nodes shown
    var xs = nodes.map(function (n) { return n.x; }), ys = nodes.map(function (n) { return n.y; });
    minX = Math.min.apply(null, xs.length ? xs : [0]); maxX = Math.max.apply(null, xs.length ? xs : [0]);
    minY = Math.min.apply(null, ys.length ? ys : [0]); maxY = Math.max.apply(null, ys.length ? ys : [0]);
  }
  function px(n) { return PAD + (n.x - minX) * SCALE; }
  function py(n) { return PAD + (maxY - n.y) * SCALE; }  // layout y points up
  var TONES = { positive: "#1a7f37", negative: "#c62828", neutral: "#6e6e6e" };

  function visibleEdges() {
    var source = SG.value("source-filter"), actor = SG.value("actor-filter"), kind = SG.value("kind-filter");
    return data.edges.filter(function (e) {
      if (source && e.sources.indexOf(source) < 0) return false;
      if (actor && e.s !== actor && e.t !== actor) return false;
      if (kind && e.kind !== kind) return false;
      return true;
    });
  }

  function statement(e) {
    var s = byId[e.s] ? byId[e.s].label : e.s, t = byId[e.t] ? byId[e.t].label : e.t;
    var lines = [s + " — " + e.label + " → " + t];
    var how = e.kind === "relation" ? (e.solid ? "stated in the source's own voice" : "hedged, someone's claim, or inferred")
      : e.kind === "stance" ? (e.solid ? "a public stance" : "private, unstated or inferred")
      : "participant or claimant of what a stance is about";
    lines.push(e.kind + ": " + how);
    if (e.count > 1) lines.push(e.count + " statements");
    if (e.sources.length) lines.push("source: " + e.sources.join(", "));
    return lines;
  }

  function draw() {
    SG.clear(svg);
    var edges = visibleEdges();
    var used = {};
    var actor = SG.value("actor-filter");
    if (actor) used[actor] = true;
    edges.forEach(function (e) { used[e.s] = true; used[e.t] = true; });
    var nodes = data.nodes.filter(function (n) { return used[n.id]; });
    frame(nodes);
    svg.setAttribute("width", PAD * 2 + (maxX - minX) * SCALE);
    svg.setAttribute("height", PAD * 2 + (maxY - minY) * SCALE);
    var defs = SG.el("defs", {}, svg);
    Object.keys(TONES).forEach(function (tone) {
      var m = SG.el("marker", { id: "arrow-" + tone, viewBox: "0 0 10 10", refX: "20", refY: "5",
        markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" }, defs);
      SG.el("path", { d: "M0,0 L10,5 L0,10 z", fill: TONES[tone] }, m);
    });
    var edgeLayer = SG.el("g", { "class": "edges" }, svg);
    edges.forEach(function (e) {
      var a = byId[e.s], b = byId[e.t];
      if (!a || !b) return;
      var line = SG.el("line", { x1: px(a), y1: py(a), x2: px(b), y2: py(b), "class": "edge " + e.kind,
        stroke: TONES[e.tone] || TONES.neutral, "stroke-width": String(1 + Math.min(e.count, 4) * 0.6),
        "marker-end": "url(#arrow-" + (TONES[e.tone] ? e.tone : "neutral") + ")" }, edgeLayer);
      if (!e.solid) line.setAttribute("stroke-dasharray", "6 4");
      if (e.kind === "link") line.setAttribute("stroke-dasharray", "2 3");
      // a wide transparent line over it, so that the pointer finds a thin line
      var hit = SG.el("line", { x1: px(a), y1: py(a), x2: px(b), y2: py(b), "class": "hit",
        "data-source": e.s, "data-target": e.t }, edgeLayer);
      SG.el("title", {}, hit).textContent = statement(e)[0];
      hit.addEventListener("mousemove", function (ev) { hover.show(ev, statement(e)); });
      hit.addEventListener("mouseleave", hover.hide);
    });
    var nodeLayer = SG.el("g", { "class": "nodes" }, svg);
    nodes.forEach(function (n) {
      var g = SG.el("g", { "class": "node kind-" + n.kind, "data-id": n.id }, nodeLayer);
      var a = n.href ? SG.el("a", { href: n.href }, g) : g;
      SG.el("circle", { cx: px(n), cy: py(n), r: 9 }, a);
      SG.el("text", { x: px(n), y: py(n) - 14, "text-anchor": "middle" }, a).textContent = n.label;
      SG.el("title", {}, g).textContent = n.label;
      g.addEventListener("mousemove", function (ev) {
        hover.show(ev, [n.label, n.kind + (n.side ? " · side of " + n.side : "")]);
      });
      g.addEventListener("mouseleave", hover.hide);
    });
    count.textContent = nodes.length + " nodes, " + edges.length + " edges shown";
    if (!data.edges.length) count.textContent = "The sources state no relation between actors and no stance.";
    else if (!edges.length) count.textContent += " (nothing matches the filters)";
  }
  ["source-filter", "actor-filter", "kind-filter"].forEach(function (id) {
    document.getElementById(id).addEventListener("change", draw);
  });
  draw();
})();
