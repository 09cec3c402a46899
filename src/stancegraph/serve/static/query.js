/* The query page: post the query to /sparql, show the answer as a table (or the error). */
"use strict";
(function () {
  var form = document.getElementById("query-form");
  var area = document.getElementById("query");
  var status = document.getElementById("status");
  var result = document.getElementById("result");
  var examples = JSON.parse(document.getElementById("examples").textContent);
  document.getElementById("example").addEventListener("change", function (e) {
    examples.forEach(function (q) { if (q.name === e.target.value) area.value = q.text; });
  });
  function cell(term) {
    var td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      var base = "https://w3id.org/stancegraph/id/";
      if (term.value.indexOf(base) === 0) {
        var a = document.createElement("a");
        a.href = "/id/" + term.value.slice(base.length);
        a.textContent = term.value;
        td.appendChild(a);
        return td;
      }
    }
    td.textContent = term.value;
    if (term["xml:lang"]) td.title = "@" + term["xml:lang"];
    return td;
  }
  function table(json) {
    while (result.firstChild) result.removeChild(result.firstChild);
    if (typeof json.boolean === "boolean") {
      status.textContent = "ASK: " + json.boolean;
      return;
    }
    var vars = json.head.vars || [], rows = json.results.bindings;
    var t = document.createElement("table"), head = t.createTHead().insertRow();
    vars.forEach(function (v) { var th = document.createElement("th"); th.textContent = "?" + v; head.appendChild(th); });
    var body = t.createTBody();
    rows.forEach(function (b) { var tr = body.insertRow(); vars.forEach(function (v) { tr.appendChild(cell(b[v])); }); });
    result.appendChild(t);
    status.textContent = rows.length + " row" + (rows.length === 1 ? "" : "s");
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    status.textContent = "running…";
    while (result.firstChild) result.removeChild(result.firstChild);
    fetch("/sparql", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json, text/turtle;q=0.5" },
      body: new URLSearchParams({ query: area.value })
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      return response.text().then(function (body) {
        if (!response.ok) {
          var message = body.trim();
          try { message = JSON.parse(body).error || message; } catch (ignored) { /* plain text */ }
          status.textContent = "Error " + response.status + ": " + message;
          status.className = "count error";
          return;
        }
        status.className = "count";
        if (type.indexOf("json") >= 0) {
          table(JSON.parse(body));
          var cut = response.headers.get("X-Stancegraph-Truncated");
          if (cut) status.textContent += " (cut at the server's row cap: " + cut + ")";
          return;
        }
        var pre = document.createElement("pre"); pre.textContent = body; result.appendChild(pre);
        status.textContent = "graph (" + type + ")";
      });
    }).catch(function (err) { status.textContent = "The server did not answer: " + err; });
  });
})();
