/* The timeline, drawn as SVG from the answer of the saved query `timeline`: one row per event,
   a bar from the earliest to the latest day it can fall on; filtered by source, actor and kind
   (event type); hover for the statement. */
"use strict";
(function () {
  var data = SG.data("timeline-data");
  var svg = document.getElementById("timeline");
  var count = document.getElementById("count");
  var hover = SG.hover(document.getElementById("hover"));
  var DAY = 86400000, ROW = 24, LEFT = 20, TOP = 40, WIDTH = 760, LABEL = 620;
  function day(s) { return s ? Date.parse(s.slice(0, 10) + "T00:00:00Z") : null; }

  function visible() {
    var source = SG.value("source-filter"), actor = SG.value("actor-filter"), kind = SG.value("kind-filter");
    return data.events.filter(function (e) {
      if (source && e.sources.indexOf(source) < 0) return false;
      if (actor && e.actors.indexOf(actor) < 0) return false;
      if (kind && e.type !== kind) return false;
      return true;
    });
  }
  function when(e) {
    if (e.earliest && e.latest) return e.earliest === e.latest ? e.earliest : e.earliest + " to " + e.latest;
    return e.earliest ? "from " + e.earliest : "until " + e.latest;
  }
  function statement(e) {
    var lines = [e.label, when(e) + (e.precision ? " (" + e.precision + ")" : "") + (e.inferred ? ", date inferred" : "")];
    if (e.type || e.status) lines.push([e.type, e.status].filter(Boolean).join(" · "));
    if (e.quotes.length) lines.push("“" + e.quotes[0] + "”");
    if (e.sources.length) lines.push("source: " + e.sources.join(", "));
    return lines;
  }

  function draw() {
    SG.clear(svg);
    var events = visible();
    var lo = Infinity, hi = -Infinity;
    events.forEach(function (e) {
      [day(e.earliest), day(e.latest)].forEach(function (d) { if (d !== null) { lo = Math.min(lo, d); hi = Math.max(hi, d + DAY); } });
    });
    svg.setAttribute("width", LEFT + WIDTH + LABEL);
    svg.setAttribute("height", TOP + Math.max(events.length, 1) * ROW + 20);
    count.textContent = events.length + " of " + data.events.length + " events shown";
    if (!data.events.length) { count.textContent = "The sources date no event."; return; }
    if (!events.length) { count.textContent += " (nothing matches the filters)"; return; }
    if (hi - lo < 30 * DAY) { lo -= 15 * DAY; hi += 15 * DAY; }
    function x(d) { return LEFT + (d - lo) / (hi - lo) * WIDTH; }
    var axis = SG.el("g", { "class": "axis" }, svg);
    var first = new Date(lo), d = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), 1);
    var months = (hi - lo) / (30 * DAY), step = months > 36 ? 12 : months > 12 ? 3 : 1;
    for (; d <= hi; d = Date.UTC(new Date(d).getUTCFullYear(), new Date(d).getUTCMonth() + step, 1)) {
      if (d < lo) continue;
      SG.el("line", { x1: x(d), x2: x(d), y1: TOP - 8, y2: TOP + events.length * ROW, "class": "tick" }, axis);
      SG.el("text", { x: x(d) + 2, y: TOP - 12 }, axis).textContent = new Date(d).toISOString().slice(0, 7);
    }
    events.forEach(function (e, i) {
      var y = TOP + i * ROW;
      var g = SG.el("g", { "class": "event" + (e.inferred ? " inferred" : ""), "data-id": e.id }, svg);
      var a0 = day(e.earliest), a1 = day(e.latest);
      var start = a0 !== null ? x(a0) : LEFT, end = a1 !== null ? x(a1 + DAY) : LEFT + WIDTH;
      if (end - start < 6) { start -= 3; end = start + 6; }
      var bar = SG.el("rect", { x: start, y: y + 4, width: end - start, height: ROW - 8, rx: 3,
        "class": "bar" + (a0 === null ? " open-start" : "") + (a1 === null ? " open-end" : "") }, g);
      SG.el("title", {}, bar).textContent = statement(e).join("\n");
      var link = e.href ? SG.el("a", { href: e.href }, g) : g;
      SG.el("text", { x: LEFT + WIDTH + 10, y: y + ROW - 8 }, link).textContent = e.label;
      g.addEventListener("mousemove", function (ev) { hover.show(ev, statement(e)); });
      g.addEventListener("mouseleave", hover.hide);
    });
  }
  ["source-filter", "actor-filter", "kind-filter"].forEach(function (id) {
    document.getElementById(id).addEventListener("change", draw);
  });
  draw();
})();
