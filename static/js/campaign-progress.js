// Follows an extension campaign's or a catalogue import's progress on its admin page
// while a worker is at it.
// The page works without this: it then reloads itself (see the <noscript> refresh).
(function () {
  "use strict";
  var section = document.querySelector("[data-progress-url]");
  if (!section) return;
  var url = section.dataset.progressUrl;
  var every = (parseInt(section.dataset.pollSeconds, 10) || 2) * 1000;
  var bar = section.querySelector("[data-progress-bar]");
  var text = section.querySelector("[data-progress-text]");
  var status = section.querySelector("[data-progress-status]");
  var shownStatus = section.dataset.status;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (progress) {
        bar.max = Math.max(progress.max, 1);
        bar.value = progress.value;
        if (text.textContent !== progress.text) text.textContent = progress.text;
        status.textContent = progress.status_display.charAt(0).toUpperCase() +
          progress.status_display.slice(1);
        if (!progress.working || progress.status !== shownStatus) {
          // Finished or moved on: reload for the buttons of the new status.
          window.location.reload();
          return;
        }
        window.setTimeout(poll, every);
      })
      .catch(function () {
        window.setTimeout(poll, every * 3);
      });
  }
  window.setTimeout(poll, every);
})();
