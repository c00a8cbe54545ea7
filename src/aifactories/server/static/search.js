/* Suggestions for the search box: asks /api/search as the user types. Without JavaScript the
   box is a plain GET form to /search. */
(function () {
  "use strict";
  var form = document.querySelector("form.search");
  if (!form) return;
  var input = form.querySelector("input[name=q]");
  var list = document.getElementById("site-search-suggestions");
  var api = form.getAttribute("data-api");
  var hits = {};
  var timer = null;
  var last = "";
  input.addEventListener("input", function () {
    var q = input.value.trim();
    if (hits[q]) { window.location.href = hits[q]; return; }
    if (q.length < 2 || q === last) return;
    last = q;
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(api + "?limit=8&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) {
          list.textContent = "";
          hits = {};
          data.results.forEach(function (hit) {
            var option = document.createElement("option");
            option.value = hit.label;
            option.label = hit.kind + (hit.matched && hit.matched !== hit.label ? " · " + hit.matched : "");
            list.appendChild(option);
            hits[hit.label] = hit.page;
          });
        })
        .catch(function () {});
    }, 150);
  });
})();
