// The complaint intake form (served as a file: the Content-Security-Policy allows no inline script).
  // Make the restriction impossible to miss once a sign is ticked (the notice is there without script too).
  (function () {
    // Picking a worker in the results means "the worker found in the register".
    document.querySelectorAll("input[name=worker]").forEach(function (radio) {
      radio.addEventListener("change", function () {
        var existing = document.querySelector("input[name=worker_mode][value=existing]");
        if (existing) existing.checked = true;
      });
    });
    var box = document.getElementById("trafficking-box");
    if (!box) return;
    function update() { box.classList.toggle("on", !!box.querySelector("input[type=checkbox]:checked")); }
    box.addEventListener("change", update); update();
  })();
