// Progressive enhancement only: every page works without this file.
// Without JavaScript the "Menu" link opens the navigation through CSS :target;
// with it, the link behaves as a disclosure button with aria-expanded.
(function () {
  "use strict";

  var toggle = document.querySelector("[data-nav-toggle]");
  var nav = document.getElementById("site-nav");
  if (!toggle || !nav) return;

  var close = nav.querySelector("[data-nav-close]");
  if (close) close.hidden = true;

  toggle.setAttribute("role", "button");
  toggle.setAttribute("aria-expanded", "false");

  function setOpen(open) {
    nav.classList.toggle("is-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  toggle.addEventListener("click", function (event) {
    event.preventDefault();
    setOpen(!nav.classList.contains("is-open"));
  });

  // A role="button" must also answer the space bar.
  toggle.addEventListener("keydown", function (event) {
    if (event.key === " ") {
      event.preventDefault();
      setOpen(!nav.classList.contains("is-open"));
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && nav.classList.contains("is-open")) {
      setOpen(false);
      toggle.focus();
    }
  });
})();
