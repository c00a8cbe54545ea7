/* The API page: Swagger UI (bundled) on this server's OpenAPI document; no other host. */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle === "undefined") return;
  var fallback = document.getElementById("api-fallback");
  if (fallback) fallback.hidden = true;
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec"),
    domNode: root,
    validatorUrl: null,
    deepLinking: false,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    tryItOutEnabled: true,
    syntaxHighlight: { activated: false },
    onComplete: function () {
      var servers = root.querySelector("#servers");
      if (servers) servers.setAttribute("aria-label", "Server");
    }
  });
})();
