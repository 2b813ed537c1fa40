// Sample-dataset pages, progressive enhancement only: without this file the
// upload form posts the file as multipart/form-data and the status page
// refreshes itself through a <noscript> meta refresh.
//
// Upload page: a resumable tus upload (tus-js-client, served from
// /static/vendor/tus-js-client/tus.min.js) with a progress bar, pause and
// resume, automatic retries after a dropped connection, and resumption of an
// interrupted upload of the same file after a reload. Flow: POST
// {api}/uploads {filename, size, email} -> {id, token, tus_url, results_url},
// then the tus upload to tus_url with "Authorization: Bearer <token>", then
// the results page.
//
// Status page: polls GET {api}/uploads/{id} and, when the status or a step
// changes, swaps in the fresh page (no full reload; focus moves to the heading
// once the upload is finished).
(function () {
  "use strict";

  var CHUNK_SIZE = 8 * 1024 * 1024;
  var RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000];
  var SESSION_PREFIX = "iv-upload-session:";
  var SESSION_MAX_AGE_MS = 6 * 60 * 60 * 1000;

  function formatBytes(bytes) {
    if (bytes < 1000) return bytes + (bytes === 1 ? " byte" : " bytes");
    var units = ["kB", "MB", "GB", "TB"];
    var value = bytes / 1000;
    var unit = 0;
    while (value >= 999.95 && unit < units.length - 1) {
      value /= 1000;
      unit++;
    }
    return (value < 10 ? value.toFixed(1) : Math.round(value)) + " " + units[unit];
  }

  // --- the upload form -----------------------------------------------------

  function enhanceForm(form) {
    if (!window.tus || !window.tus.isSupported || !window.fetch || !window.JSON) return;

    var fileInput = form.querySelector("input[type=file]");
    var emailInput = form.querySelector("input[name=email]");
    var submit = form.querySelector("[data-upload-submit]");
    var status = form.querySelector("[data-form-status]");
    var panel = form.querySelector("[data-upload-progress]");
    var bar = form.querySelector("[data-progress-bar]");
    var text = form.querySelector("[data-progress-text]");
    var live = form.querySelector("[data-progress-live]");
    var pauseButton = form.querySelector("[data-upload-pause]");
    var resumeButton = form.querySelector("[data-upload-resume]");
    var maxBytes = Number(form.getAttribute("data-max-bytes")) || Infinity;
    var maxSize = form.getAttribute("data-max-size") || "";
    var createUrl = form.getAttribute("data-create-url");

    var upload = null;
    var session = null;
    var lastAnnounced = -1;

    function showError(title, message) {
      status.textContent = "";
      var alert = document.createElement("div");
      alert.className = "form-alert";
      alert.setAttribute("role", "alert");
      var heading = document.createElement("h2");
      heading.className = "form-alert__title";
      heading.textContent = title;
      var paragraph = document.createElement("p");
      paragraph.textContent = message;
      alert.appendChild(heading);
      alert.appendChild(paragraph);
      status.appendChild(alert);
      status.focus();
    }

    function clearError() {
      status.textContent = "";
    }

    function announce(message) {
      if (live) live.textContent = message;
    }

    function setBusy(busy) {
      // While the file goes, the progress panel's buttons are the controls.
      submit.hidden = busy;
      fileInput.disabled = busy;
      if (emailInput) emailInput.disabled = busy;
    }

    function setPaused(paused) {
      pauseButton.hidden = paused;
      resumeButton.hidden = !paused;
    }

    function showProgress(sent, total) {
      var percent = total > 0 ? Math.floor((sent / total) * 100) : 0;
      bar.value = percent;
      bar.textContent = percent + "%";
      text.textContent = formatBytes(sent) + " of " + formatBytes(total) + " sent (" + percent + "%)";
      // Screen readers hear every 10 %, not every chunk.
      var step = Math.floor(percent / 10) * 10;
      if (step !== lastAnnounced) {
        lastAnnounced = step;
        announce("Upload " + step + "% done");
      }
    }

    // A session (the upload id and its short-lived token) is kept per file, so
    // that the same file chosen again after a reload resumes where it stopped.
    function sessionKey(file) {
      return SESSION_PREFIX + [file.name, file.size, file.lastModified].join("|");
    }

    function loadSession(file) {
      try {
        var saved = JSON.parse(window.localStorage.getItem(sessionKey(file)) || "null");
        if (saved && saved.id && saved.token && Date.now() - saved.savedAt < SESSION_MAX_AGE_MS) return saved;
      } catch (error) {
        // Storage may be disabled; then uploads simply do not resume after a reload.
      }
      return null;
    }

    function saveSession(file, value) {
      try {
        value.savedAt = Date.now();
        window.localStorage.setItem(sessionKey(file), JSON.stringify(value));
      } catch (error) {
        // See loadSession.
      }
    }

    function forgetSession(file) {
      try {
        window.localStorage.removeItem(sessionKey(file));
      } catch (error) {
        // See loadSession.
      }
    }

    function problemText(response, body) {
      if (body && (body.detail || body.title)) return body.detail || body.title;
      if (response.status === 413) return "The file is larger than " + maxSize + ".";
      if (response.status === 429) return "You have started many uploads in a short time. Please try again later.";
      return "The upload could not be started (error " + response.status + "). Please try again.";
    }

    function createSession(file) {
      var payload = { filename: file.name, size: file.size };
      if (emailInput && emailInput.value.trim()) payload.email = emailInput.value.trim();
      return fetch(createUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(payload),
        credentials: "same-origin",
      }).then(function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (body) {
            if (!response.ok || !body || !body.id || !body.token || !body.tus_url) {
              var error = new Error(problemText(response, body));
              error.visitorMessage = true;
              throw error;
            }
            return {
              id: body.id,
              token: body.token,
              tusUrl: body.tus_url,
              resultsUrl: body.results_url || "/uploads/" + encodeURIComponent(body.id),
            };
          });
      });
    }

    function httpStatus(error) {
      return error && error.originalResponse ? error.originalResponse.getStatus() : 0;
    }

    function startTus(file, resumable, retriedWithNewSession) {
      upload = new window.tus.Upload(file, {
        endpoint: session.tusUrl,
        headers: { Authorization: "Bearer " + session.token },
        chunkSize: CHUNK_SIZE,
        retryDelays: RETRY_DELAYS,
        metadata: { filename: file.name, filetype: file.type || "application/octet-stream" },
        removeFingerprintOnSuccess: true,
        onProgress: showProgress,
        onShouldRetry: function (error) {
          var code = httpStatus(error);
          // Client errors will not heal by themselves, except a lock or conflict
          // between two requests for the same upload.
          return !(code >= 400 && code < 500 && code !== 409 && code !== 423 && code !== 429);
        },
        onError: function (error) {
          var code = httpStatus(error);
          if ((code === 401 || code === 403 || code === 404 || code === 410) && resumable && !retriedWithNewSession) {
            // The saved upload has expired: start again with a new one.
            forgetSession(file);
            begin(file, true);
            return;
          }
          setPaused(true);
          var offline = navigator.onLine === false;
          text.textContent = offline
            ? "The connection dropped. The upload continues when you are back online, or press Resume."
            : "The upload stopped. Press Resume to try again.";
          showError(
            "The upload stopped",
            code >= 400 && code < 500 && code !== 409 && code !== 423
              ? "The server refused the file (error " + code + "). Please check the file and try again."
              : "We lost the connection to the server. Your progress is kept: press Resume to continue."
          );
        },
        onSuccess: function () {
          forgetSession(file);
          bar.value = 100;
          bar.textContent = "100%";
          text.textContent = "Upload complete. Opening your report…";
          announce("Upload complete. Opening your report.");
          window.location.assign(session.resultsUrl);
        },
      });
      var previous = resumable ? upload.findPreviousUploads() : Promise.resolve([]);
      return previous.then(function (uploads) {
        if (uploads.length > 0) upload.resumeFromPreviousUpload(uploads[0]);
        setPaused(false);
        upload.start();
      });
    }

    function begin(file, retriedWithNewSession) {
      var saved = retriedWithNewSession ? null : loadSession(file);
      var ready = saved ? Promise.resolve(saved) : createSession(file);
      return ready
        .then(function (value) {
          session = value;
          if (!saved) saveSession(file, value);
          return startTus(file, Boolean(saved), retriedWithNewSession);
        })
        .catch(function (error) {
          setBusy(false);
          panel.hidden = true;
          showError(
            "The file was not uploaded",
            error && error.visitorMessage ? error.message : "We could not reach the server. Please try again."
          );
        });
    }

    form.addEventListener("submit", function (event) {
      var file = fileInput.files && fileInput.files[0];
      if (!file) return;  // the browser's own validation explains the missing file
      event.preventDefault();
      clearError();
      if (file.size === 0) {
        showError("The file was not uploaded", "The file is empty. Please choose a file with data in it.");
        return;
      }
      if (file.size > maxBytes) {
        showError("The file was not uploaded", "The file is larger than " + maxSize + ". Please upload a smaller sample.");
        return;
      }
      setBusy(true);
      panel.hidden = false;
      lastAnnounced = -1;
      showProgress(0, file.size);
      begin(file, false);
    });

    pauseButton.addEventListener("click", function () {
      if (!upload) return;
      upload.abort();
      setPaused(true);
      text.textContent = "Paused. " + text.textContent.replace(/^Paused\. /, "");
      announce("Upload paused");
      resumeButton.focus();
    });

    resumeButton.addEventListener("click", function () {
      if (!upload) return;
      clearError();
      setPaused(false);
      announce("Upload resumed");
      upload.start();
      pauseButton.focus();
    });

    // Back online after a drop that outlasted the retries: carry on by itself.
    window.addEventListener("online", function () {
      if (upload && !resumeButton.hidden && status.textContent) {
        clearError();
        setPaused(false);
        upload.start();
      }
    });
  }

  // --- the status page -----------------------------------------------------

  function watchStatus(main) {
    if (!window.fetch || !window.DOMParser || main.hasAttribute("data-final")) return;
    var statusUrl = main.getAttribute("data-status-url");
    var lastKey = null;
    var delay = 1500;
    var failures = 0;

    function keyOf(body) {
      var steps = (body.steps || [])
        .map(function (step) {
          return step.name + ":" + step.status;
        })
        .join(",");
      var percent = typeof body.progress === "number" ? Math.floor(body.progress / 5) : "";
      return body.status + "|" + steps + "|" + percent;
    }

    function swapPage() {
      return fetch(window.location.href, { headers: { Accept: "text/html" }, cache: "no-store" })
        .then(function (response) {
          if (!response.ok) throw new Error("status " + response.status);
          return response.text();
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html");
          var freshMain = fresh.querySelector("main[data-upload-status]");
          if (!freshMain) throw new Error("no status in the page");
          main.innerHTML = freshMain.innerHTML;
          main.setAttribute("data-status", freshMain.getAttribute("data-status") || "");
          document.title = fresh.title;
          if (freshMain.hasAttribute("data-final")) {
            main.setAttribute("data-final", "");
            var heading = main.querySelector("[data-status-heading]");
            if (heading) heading.focus();
            return true;
          }
          return false;
        });
    }

    function poll() {
      if (document.hidden) {
        window.setTimeout(poll, delay);
        return;
      }
      fetch(statusUrl, { headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (response) {
          if (!response.ok) throw new Error("status " + response.status);
          return response.json();
        })
        .then(function (body) {
          failures = 0;
          var key = keyOf(body);
          var changed = lastKey !== null && key !== lastKey;
          var first = lastKey === null;
          lastKey = key;
          // The first answer may already differ from the page (it was rendered a moment ago).
          var rendered = main.getAttribute("data-status");
          if (changed || (first && body.status !== rendered)) return swapPage();
          return false;
        })
        .then(function (finished) {
          if (!finished) window.setTimeout(poll, delay);
        })
        .catch(function () {
          failures++;
          // The "Check again" link still works; keep trying, more slowly.
          if (failures < 20) window.setTimeout(poll, Math.min(15000, delay * (failures + 1)));
        });
    }

    window.setTimeout(poll, delay);
  }

  var form = document.querySelector("[data-upload-form]");
  if (form) enhanceForm(form);
  var statusMain = document.querySelector("main[data-upload-status]");
  if (statusMain) watchStatus(statusMain);
})();
