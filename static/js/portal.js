// Behaviour shared by the portal's pages. No page carries inline script or on* attributes:
// the Content-Security-Policy refuses them, so handlers are attached here.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});
