// The interactive reference of /v1/openapi.json (Swagger UI from the vendored swagger-ui-dist package).
// "Try it out" calls this gateway (the document's `servers` names where it was served from).
"use strict";

window.addEventListener("DOMContentLoaded", () => {
  window.ui = window.SwaggerUIBundle({
    url: "/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // no call to an outside validator
    tryItOutEnabled: false,
    persistAuthorization: false,
    onComplete: () => { document.body.dataset.ready = "true"; },
  });
});
