// Starts ReDoc (served as a file: the Content-Security-Policy allows no inline script).
(function () {
  var container = document.getElementById("redoc-container");
  Redoc.init(container.dataset.schemaUrl, {}, container);
})();
