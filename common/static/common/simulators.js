// Simulators: what `runsimulators --status` knows, refreshed every 2 s (the server reads the state files).
(function () {
  "use strict";

  const root = document.getElementById("simulators-page");
  const runs = document.getElementById("runs");
  const badge = document.getElementById("connection");

  function setBadge(state, text) {
    if (!badge) return;
    badge.dataset.state = state;
    badge.textContent = text;
  }

  async function refresh() {
    try {
      const response = await fetch(root.dataset.url, { credentials: "same-origin" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const html = await response.text();
      if (runs.innerHTML !== html) runs.innerHTML = html;
      setBadge("open", "live");
    } catch (err) {
      setBadge("closed", "refresh failed: " + err.message);
    }
  }

  refresh();
  setInterval(refresh, 2000);
})();
