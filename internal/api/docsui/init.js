// The API reference page (/api/docs): Swagger UI, vendored from npm
// (tools/apilint pins the version), over the document this server serves.
// Everything comes from this origin; the page runs under the web app's
// Content-Security-Policy (no inline script or style, no other origin).
"use strict";
window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#ui",
  deepLinking: true,
  // The highlighter writes inline style attributes, which the CSP refuses.
  syntaxHighlight: false,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  displayOperationId: true,
  // "Try it out" sends requests from this page with the reader's session
  // cookie; reads only, so that nothing changes by accident (state-changing
  // calls would need the CSRF header anyway).
  supportedSubmitMethods: ["get"],
  // No call to the public validator service (another origin).
  validatorUrl: null,
});
