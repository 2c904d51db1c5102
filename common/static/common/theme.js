// Light/dark before the first paint: the saved choice, else the system's (prefers-color-scheme in CSS).
(function () {
  "use strict";
  try {
    const saved = localStorage.getItem("pyros-theme");
    if (saved === "light" || saved === "dark") document.documentElement.dataset.theme = saved;
  } catch (err) {
    /* storage disabled: follow the system */
  }
})();
