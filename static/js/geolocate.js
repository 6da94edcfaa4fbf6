/* "Use my location": fill the hidden lat/lon fields of a GET form from the browser's
   position and submit it. Progressive enhancement: the button stays hidden without
   JavaScript or geolocation, and the form works with a postcode alone. */
(function () {
  "use strict";

  function enhance(form) {
    var block = form.querySelector("[data-geolocate-block]");
    var button = form.querySelector("[data-geolocate-button]");
    var status = form.querySelector("[data-geolocate-status]");
    var lat = form.querySelector("[data-geolocate-lat]");
    var lon = form.querySelector("[data-geolocate-lon]");
    if (!block || !button || !lat || !lon || !("geolocation" in navigator)) {
      return;
    }
    block.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = button.dataset.messageWait || "";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          lat.value = position.coords.latitude.toFixed(6);
          lon.value = position.coords.longitude.toFixed(6);
          form.submit();
        },
        function () {
          button.disabled = false;
          status.textContent = button.dataset.messageDenied || "";
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
      );
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-geolocate]").forEach(enhance);
  });
})();
