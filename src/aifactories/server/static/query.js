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
})();
