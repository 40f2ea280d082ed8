// Starts the page: the scripts bundled into dist/app.js by scripts/build-web.sh,
// or js/app.js unbundled when the bundle is not built. A module file rather than
// an inline onerror handler, because the server's Content-Security-Policy
// (script-src 'self') runs no inline script. index.html preloads dist/app.js
// beside this file, so the bundle is not fetched one round trip later.
import("./dist/app.js").catch((e) => {
  console.warn("nextbest: dist/app.js did not load; running js/app.js unbundled (scripts/build-web.sh builds the bundle)", e);
  return import("./js/app.js");
});
