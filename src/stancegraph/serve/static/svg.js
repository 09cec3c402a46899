/* Small helpers the network and timeline pages share: SVG elements and the hover box.
   No library; nothing is fetched. */
"use strict";
var SG = (function () {
  var NS = "http://www.w3.org/2000/svg";
  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }
  function hover(box) {
    return {
      show: function (event, lines) {
        clear(box);
        lines.forEach(function (line, i) {
          var p = document.createElement(i === 0 ? "strong" : "div");
          p.textContent = line;
          box.appendChild(p);
        });
        box.hidden = false;
        // beside the pointer, on the side where it fits in the window
        var left = event.pageX + 14;
        if (event.clientX + 14 + box.offsetWidth > document.documentElement.clientWidth) {
          left = Math.max(0, event.pageX - 14 - box.offsetWidth);
        }
        box.style.left = left + "px";
        box.style.top = (event.pageY + 10) + "px";
      },
      hide: function () { box.hidden = true; }
    };
  }
  function value(id) { return document.getElementById(id).value; }
  return { el: el, clear: clear, data: data, hover: hover, value: value };
})();
