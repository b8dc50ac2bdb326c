// The new training session form (served as a file: the Content-Security-Policy allows no inline script).
// Warn as soon as the trainer and dates are chosen (the server checks again on saving).
(function () {
  var dates = JSON.parse(document.getElementById("trainer-dates").textContent);
  var form = document.getElementById("session-form"), warning = document.getElementById("trainer-warning");
  function check() {
    var d = dates[form.trainer.value], start = form.starts_on.value, end = form.ends_on.value;
    if (!d || !start || !end) { return; }
    warning.hidden = (d[0] <= start && end <= d[1]);
  }
  ["trainer", "starts_on", "ends_on"].forEach(function (name) { form[name].addEventListener("change", check); });
})();
