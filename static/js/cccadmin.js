// cccadmin: the little behaviour htmx does not give us. No inline script anywhere (strict CSP).
(function () {
  "use strict";

  // Announce the new result count after every swap (the summary itself is replaced, so it
  // cannot be the live region).
  function announceSummary() {
    var summary = document.getElementById("result-summary");
    var announcer = document.getElementById("announcer");
    if (summary && announcer) {
      announcer.textContent = summary.textContent.trim();
    }
  }
  document.addEventListener("htmx:afterSettle", announceSummary);

  // Screen readers hear that the results are being replaced; the spinner is decoration.
  document.addEventListener("htmx:beforeRequest", function (event) {
    event.detail.target.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    event.detail.target.removeAttribute("aria-busy");
  });

  // htmx moves focus to the element of the same id in the new content (a pager or view link);
  // when there is none (Next on the last page), focus goes to the summary, not to the top.
  var focusedBeforeSwap = null;
  document.addEventListener("htmx:beforeSwap", function () {
    focusedBeforeSwap = document.activeElement;
  });
  function keepFocusInResults() {
    var lost =
      focusedBeforeSwap &&
      focusedBeforeSwap !== document.body &&
      !document.body.contains(focusedBeforeSwap);
    focusedBeforeSwap = null;
    var summary = document.getElementById("result-summary");
    if (lost && (!document.activeElement || document.activeElement === document.body) && summary) {
      summary.focus();
    }
  }
  document.addEventListener("htmx:afterSettle", keepFocusInResults);

  // A pager or view link followed while a search was still pending shows results for the
  // previous search: bring the form back in line with the query the results answer, except
  // the field the user is in.
  function alignFiltersWithResults() {
    var summary = document.getElementById("result-summary");
    var form = document.getElementById("filters");
    if (!summary || !form) {
      return;
    }
    Array.prototype.forEach.call(summary.attributes, function (attribute) {
      if (attribute.name.indexOf("data-applied-") !== 0) {
        return;
      }
      var field = form.elements.namedItem(attribute.name.slice("data-applied-".length));
      if (field && field !== document.activeElement && field.value !== attribute.value) {
        field.value = attribute.value;
      }
    });
  }
  document.addEventListener("htmx:afterSettle", alignFiltersWithResults);

  // A request that got no answer (network down, or the SSO proxy sending an expired session
  // to the identity provider) would otherwise leave stale results without a word.
  function showUnreachable(event) {
    var region = event.detail.target;
    var message = document.body.getAttribute("data-unreachable-text");
    if (!region || !message) {
      return;
    }
    var alert = document.createElement("div");
    alert.className = "alert alert-danger";
    alert.setAttribute("role", "alert");
    alert.textContent = message;
    region.replaceChildren(alert);
  }
  document.addEventListener("htmx:sendError", showUnreachable);
  document.addEventListener("htmx:timeout", showUnreachable);

  function copyWithSelection(text) {
    // Fallback where the Clipboard API is missing or refused (insecure origin, iframe policy).
    var field = document.createElement("textarea");
    field.value = text;
    field.setAttribute("readonly", "");
    field.className = "copy-buffer";
    document.body.appendChild(field);
    field.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    document.body.removeChild(field);
    return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        return copyWithSelection(text);
      });
    }
    return copyWithSelection(text);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-url]");
    if (!button) {
      return;
    }
    var status = button.parentElement.querySelector("[data-copy-status]");
    var url = button.getAttribute("data-copy-url");
    copyText(url).then(
      function () {
        if (status) status.textContent = button.getAttribute("data-copied-text") || "Link copied";
      },
      function () {
        if (status) status.textContent = url;
      }
    );
  });
})();
