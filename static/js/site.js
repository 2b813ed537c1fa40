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

// Lead forms (contact, demo, quote): without JavaScript they post and
// redirect. With it they submit in place: the ALTCHA widget's proof of work
// is solved first (if the visitor has not started it already), the form is posted with
// fetch, a 422 (or 403/429/503) answer's form replaces this one and focus
// moves to its error summary, and a redirect to the thank-you page is followed.
(function () {
  "use strict";

  if (!window.fetch || !window.URLSearchParams || !window.DOMParser) return;

  // The ALTCHA widget (npm `altcha`, its external build, loaded as a module
  // by the form) solves the proof of work in a same-origin Web Worker: the
  // strict CSP forbids the blob: workers of its default build.
  document.addEventListener("DOMContentLoaded", function () {
    var widget = document.querySelector("altcha-widget[data-worker-url]");
    if (!widget || !window.$altcha || !window.Worker) return;
    var workerUrl = widget.getAttribute("data-worker-url");
    window.$altcha.algorithms.set("SHA-256", function () { return new Worker(workerUrl); });
  });

  // The widget's latest state ("verifying", "verified", ...), kept on the
  // element: a capture listener sees the event whether or not it bubbles.
  document.addEventListener("statechange", function (event) {
    if (event.target && event.target.dataset && event.detail) event.target.dataset.altchaState = event.detail.state;
  }, true);

  // The widget's payload (base64 of the JSON the server verifies); starts the
  // widget when the visitor has not triggered it yet. Without it the server
  // still accepts the form, under a stricter rate limit.
  function proofOfWork(form) {
    var widget = form.querySelector("altcha-widget");
    var field = function () {
      var input = form.querySelector("input[name=altcha]");
      return input ? input.value : "";
    };
    if (!widget || !window.customElements || !customElements.get("altcha-widget")) return Promise.resolve("");
    if (field()) return Promise.resolve(field());
    return new Promise(function (resolve) {
      var timer = setTimeout(function () { resolve(field()); }, 30000);
      widget.addEventListener("verified", function (event) {
        clearTimeout(timer);
        resolve((event.detail && event.detail.payload) || field());
      }, { once: true });
      widget.addEventListener("statechange", function (event) {
        if (event.detail && (event.detail.state === "error" || event.detail.state === "expired")) {
          clearTimeout(timer);
          resolve("");
        }
      });
      // Already solving (the visitor focused the form): starting again would
      // abort that run; wait for it instead.
      if (widget.dataset.altchaState !== "verifying" && typeof widget.verify === "function") widget.verify();
    });
  }

  function setBusy(form, busy) {
    var button = form.querySelector("button[type=submit]");
    if (!button) return;
    if (busy) {
      button.dataset.label = button.textContent;
      button.textContent = button.getAttribute("data-busy-label") || "Sending…";
      button.setAttribute("aria-disabled", "true");
      form.setAttribute("aria-busy", "true");
    } else {
      if (button.dataset.label) button.textContent = button.dataset.label;
      button.removeAttribute("aria-disabled");
      form.removeAttribute("aria-busy");
    }
  }

  function showReturnedForm(form, html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var next = page.querySelector("form.lead-form");
    if (!next) return false;
    form.replaceWith(document.importNode(next, true));
    var current = document.querySelector("form.lead-form");
    var summary = current && (current.querySelector("#form-errors") || current.querySelector("#form-message"));
    if (summary) {
      summary.setAttribute("tabindex", "-1");
      summary.focus();
    }
    return true;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("lead-form")) return;
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    setBusy(form, true);
    proofOfWork(form)
      .then(function (payload) {
        var data = new FormData(form);
        if (payload) data.set("altcha", payload);
        return fetch(form.action, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            Accept: "text/html",
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Requested-With": "fetch"
          },
          body: new URLSearchParams(data).toString()
        });
      })
      .then(function (response) {
        // Accepted: the server names the thank-you page instead of redirecting.
        var type = response.headers.get("Content-Type") || "";
        if (response.ok && type.indexOf("application/json") === 0) {
          return response.json().then(function (answer) {
            window.location.assign(answer.location);
          });
        }
        return response.text().then(function (html) {
          if (!showReturnedForm(form, html)) {
            setBusy(form, false);
            form.submit();  // an answer we cannot show in place: let the browser post
          }
        });
      })
      .catch(function () {
        setBusy(form, false);
        form.submit();
      });
  });
})();
