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
// redirect. With it they submit in place: a proof-of-work challenge (ALTCHA
// protocol, SHA-256 with Web Crypto) is solved first, the form is posted with
// fetch, a 422 (or 403/429/503) answer's form replaces this one and focus
// moves to its error summary, and a redirect to the thank-you page is followed.
(function () {
  "use strict";

  if (!window.fetch || !window.URLSearchParams || !window.DOMParser) return;

  function toHex(buffer) {
    var bytes = new Uint8Array(buffer);
    var out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }

  // Finds n in [0, maxnumber] with hex(SHA-256(salt + n)) == challenge, in
  // batches so the page stays responsive.
  function solve(challenge) {
    var encoder = new TextEncoder();
    var batch = 1000;
    function from(start) {
      var end = Math.min(start + batch, challenge.maxnumber + 1);
      var digests = [];
      for (var n = start; n < end; n++) {
        digests.push(crypto.subtle.digest("SHA-256", encoder.encode(challenge.salt + n)));
      }
      return Promise.all(digests).then(function (hashes) {
        for (var i = 0; i < hashes.length; i++) {
          if (toHex(hashes[i]) === challenge.challenge) return start + i;
        }
        if (end > challenge.maxnumber) return null;
        return from(end);
      });
    }
    return from(0);
  }

  // The widget's payload: base64 of the JSON the server verifies.
  function proofOfWork(url) {
    if (!url || !window.crypto || !crypto.subtle || !window.TextEncoder) return Promise.resolve("");
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("challenge " + response.status);
        return response.json();
      })
      .then(function (challenge) {
        var started = Date.now();
        return solve(challenge).then(function (number) {
          if (number === null) return "";
          return btoa(JSON.stringify({
            algorithm: challenge.algorithm,
            challenge: challenge.challenge,
            number: number,
            salt: challenge.salt,
            signature: challenge.signature,
            took: Date.now() - started
          }));
        });
      })
      .catch(function () { return ""; });  // the server accepts the form without it, under a stricter limit
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
    var field = form.querySelector("[data-altcha-field]");
    proofOfWork(field && field.getAttribute("data-challenge-url"))
      .then(function (payload) {
        if (field) field.value = payload;
        return fetch(form.action, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            Accept: "text/html",
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Requested-With": "fetch"
          },
          body: new URLSearchParams(new FormData(form)).toString()
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
