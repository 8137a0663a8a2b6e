// Tell RequireJS that the widget renderer's own files (its icon fonts) are in this folder, so they
// are fetched from here rather than relative to each page.
(function () {
  var here = document.currentScript.src.replace(/\/[^\/]*$/, "");
  require.config({ paths: { "@jupyter-widgets/html-manager/dist": here } });
})();
