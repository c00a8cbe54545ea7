/* The query page's editor: YASGUI from the bundled copy, reaching no host but this server.
   Without JavaScript the plain form below the editor runs queries instead. */
(function () {
  "use strict";
  var root = document.getElementById("yasgui");
  var plain = document.getElementById("plain-editor");
  if (!root || typeof window.Yasgui === "undefined") return;
  var Yasgui = window.Yasgui;
  // class and property completion would call the LOV service; prefixes use the bundled list
  var completers = Yasgui.Yasqe.defaults.autocompleters;
  completers.splice(0, completers.length, "prefixes", "variables");
  Yasgui.Yasqe.defaults.createShareableLink = null;
  var endpoint = new URL(root.getAttribute("data-endpoint"), window.location.href).href;
  var yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
    copyEndpointOnNewTab: false,
    persistenceId: null,
    populateFromUrl: false,
    autofocus: false
  });
  var tab = yasgui.getTab();
  var text = document.getElementById("query-text");
  if (tab && text) {
    tab.setQuery(text.value);
    tab.setEndpoint(endpoint);
  }
  if (plain) plain.hidden = true;

  // Result links: an IRI of this dataset opens its page on this server, in the same tab (not
  // https://w3id.org/..., which is a different host and may not reach this copy).
  var base = root.getAttribute("data-base");
  var site = root.getAttribute("data-root") || "";
  function local(href) {
    if (base && href.indexOf(base) === 0) return site + "/" + href.slice(base.length);
    return null;
  }
  function rewrite(scope) {
    var links = scope.querySelectorAll(".yasr a[href]");
    for (var i = 0; i < links.length; i++) {
      var a = links[i];
      var to = local(a.getAttribute("href"));
      if (to) {
        a.setAttribute("href", to);
        a.removeAttribute("target");
        a.removeAttribute("rel");
      }
    }
  }
  new MutationObserver(function () { rewrite(root); }).observe(root, { childList: true, subtree: true });
  root.addEventListener("click", function (event) {
    var a = event.target.closest ? event.target.closest(".yasr a[href]") : null;
    if (!a) return;
    var href = a.getAttribute("href");
    var to = local(href) || (href.indexOf(site + "/") === 0 ? href : null);
    if (to) {
      // before YASR's own handler, which would open a new window
      event.preventDefault();
      event.stopPropagation();
      window.location.href = to;
    }
  }, true);
  // name the editor's fields for assistive technology
  function label(selector, name) {
    var field = root.querySelector(selector);
    if (field && !field.getAttribute("aria-label")) field.setAttribute("aria-label", name);
  }
  label(".yasqe textarea", "SPARQL query");
  label("input.autocomplete", "SPARQL endpoint");
})();
