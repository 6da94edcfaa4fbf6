// "Use my location" on the branches page: progressive enhancement of the postcode form.
// Without JavaScript, or when the browser cannot or will not tell, the postcode form does the job.
(function () {
  "use strict";
  var form = document.querySelector("[data-locate]");
  if (!form || !("geolocation" in navigator)) {
    return;
  }
  var button = form.querySelector("[data-locate-button]");
  var status = form.querySelector("[data-locate-status]");
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = status.dataset.waiting;
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        var params = new URLSearchParams({
          lat: position.coords.latitude.toFixed(5),
          lon: position.coords.longitude.toFixed(5)
        });
        window.location.assign(form.action + "?" + params.toString());
      },
      function () {
        status.textContent = status.dataset.denied;
        button.disabled = false;
        form.querySelector("input[name=postcode]").focus();
      },
      { timeout: 10000, maximumAge: 300000 }
    );
  });
})();
