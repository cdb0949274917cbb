// Swagger UI on the demo's own document. Authorize offers `oauth2`, the password flow of
// POST /token: a demo user's name and password log in, and "Try it out" then sends the access
// token as `Authorization: Bearer`. A file rather than an inline script, so the page's
// Content-Security-Policy can refuse every inline script.
"use strict";

window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // Kept in memory only: a token in localStorage would outlive the tab, readable by any
    // script of this origin.
    persistAuthorization: false,
    // Used by the redirect-based OAuth2 flows only; the password flow needs no redirect.
    oauth2RedirectUrl: `${window.location.origin}/docs/oauth2-redirect.html`,
    // No request to validator.swagger.io: the page talks to this server alone.
    validatorUrl: null,
    // Bearer only, the login included: cookies that the page at / sets (AUTH_COOKIES=true)
    // would go along with the header, and a request carrying a token both ways is refused.
    requestInterceptor: (request) => {
      request.credentials = "omit";
      return request;
    },
  });
});
