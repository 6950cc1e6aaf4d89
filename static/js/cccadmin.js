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
  // On a phone the filter form folds behind its summary, so the results start on the first
  // screen; wider, it is always open (its summary is hidden there).
  var phone = window.matchMedia("(max-width: 575.98px)");
  function foldFilters() {
    var panel = document.getElementById("filters-panel");
    if (panel) {
      panel.open = !phone.matches;
    }
  }
  document.addEventListener("DOMContentLoaded", foldFilters);
  phone.addEventListener("change", foldFilters);

  // A table that scrolls sideways says when more of it lies to the right (its edge fades).
  function markMoreRight(container) {
    var more = container.scrollLeft + container.clientWidth < container.scrollWidth - 1;
    container.toggleAttribute("data-more-right", more);
  }
  function markTables() {
    document.querySelectorAll(".table-responsive").forEach(markMoreRight);
  }
  document.addEventListener("DOMContentLoaded", markTables);
  document.addEventListener("htmx:afterSettle", markTables);
  window.addEventListener("resize", markTables);
  document.addEventListener(
    "scroll",
    function (event) {
      if (event.target.classList && event.target.classList.contains("table-responsive")) {
        markMoreRight(event.target);
      }
    },
    true
  );

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
        if (status) status.textContent = button.getAttribute("data-copied-text");
      },
      function () {
        if (status) status.textContent = url;
      }
    );
  });
  // -- An editor's selection ---------------------------------------------------------------
  // Kept here across the swaps of one view, so page 2 keeps what page 1 selected. Another
  // view or filter (the form's data-selection-key) starts afresh, and the bar says so.
  var selection = { key: null, numbers: new Set(), allMatching: false };

  function announce(text) {
    var announcer = document.getElementById("announcer");
    if (announcer && text) {
      announcer.textContent = text;
    }
  }

  function rowBoxes() {
    return Array.prototype.slice.call(
      document.querySelectorAll('input[type="checkbox"][name="number"][form="selection"]')
    );
  }

  function selectedCount(form) {
    return selection.allMatching ? Number(form.dataset.matching) : selection.numbers.size;
  }

  function countText(form) {
    var count = selectedCount(form);
    if (selection.allMatching) return form.dataset.countAll;
    if (count === 0) return form.dataset.countNone;
    if (count === 1) return form.dataset.countOne;
    return form.dataset.countOther.replace(
      "%(count)s",
      count.toLocaleString(document.documentElement.lang || undefined)
    );
  }

  // Bring the controls in line with the selection; returns what the count says.
  function showSelection() {
    var form = document.getElementById("selection");
    if (!form) return "";
    var boxes = rowBoxes();
    var checked = 0;
    boxes.forEach(function (box) {
      box.checked = selection.allMatching || selection.numbers.has(box.value);
      box.disabled = selection.allMatching;
      if (box.checked) checked += 1;
    });
    var pageBox = document.querySelector("[data-select-page]");
    if (pageBox) {
      pageBox.hidden = boxes.length === 0;
      pageBox.checked = boxes.length > 0 && checked === boxes.length;
      pageBox.indeterminate = checked > 0 && checked < boxes.length;
      pageBox.disabled = selection.allMatching;
    }
    var text = countText(form);
    document.getElementById("selection-count").textContent = text;
    var count = selectedCount(form);
    document.getElementById("act-on-selection").disabled = count === 0;
    document.getElementById("clear-selection").hidden = count === 0;
    var allMatching = document.getElementById("select-all-matching");
    if (allMatching) allMatching.hidden = selection.allMatching;
    return text;
  }

  function clearSelection() {
    selection.numbers = new Set();
    selection.allMatching = false;
  }

  // On the first page and after every swap: whose selection these results show.
  function adoptSelection() {
    var form = document.getElementById("selection");
    if (!form) return;
    var note = document.getElementById("selection-note");
    if (form.dataset.selectionKey !== selection.key) {
      var had = selection.key !== null && (selection.allMatching || selection.numbers.size > 0);
      clearSelection();
      selection.key = form.dataset.selectionKey;
      if (had && note) {
        note.textContent = form.dataset.cleared;
        var summary = document.getElementById("result-summary");
        announce((summary ? summary.textContent.trim() + " " : "") + form.dataset.cleared);
      }
    }
    showSelection();
  }
  document.addEventListener("htmx:afterSettle", adoptSelection);
  document.addEventListener("DOMContentLoaded", adoptSelection);

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches('input[name="number"][form="selection"]')) {
      if (box.checked) selection.numbers.add(box.value);
      else selection.numbers.delete(box.value);
    } else if (box.hasAttribute("data-select-page")) {
      rowBoxes().forEach(function (row) {
        if (box.checked) selection.numbers.add(row.value);
        else selection.numbers.delete(row.value);
      });
    } else {
      return;
    }
    announce(showSelection());
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest("#select-all-matching, #clear-selection");
    if (!target) return;
    // With the script, "all matching" is a selection like any other, confirmed by the button.
    event.preventDefault();
    if (target.id === "select-all-matching") {
      selection.allMatching = true;
      announce(showSelection());
      document.getElementById("act-on-selection").focus();
    } else {
      clearSelection();
      announce(showSelection());
      document.getElementById("selection-count").focus();
    }
  });

  // The confirmation is asked for the whole selection, not only this page's checkboxes.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt.id !== "selection") return;
    var parameters = event.detail.parameters;
    parameters.delete("number");
    parameters.delete("all");
    if (selection.allMatching) {
      parameters.append("all", "1");
    } else {
      selection.numbers.forEach(function (number) {
        parameters.append("number", number);
      });
    }
  });

  // -- The confirmation dialog ------------------------------------------------------------
  // A modal <dialog>: the page behind it is inert, Escape cancels, and focus goes back to
  // what opened it (or to the outcome, once there is one).
  var openedBy = null;

  function confirmDialog() {
    return document.getElementById("confirm-dialog");
  }

  // After settling, not swapping: only then has htmx bound the new form, and a quick Enter
  // on its button must not submit it as a plain form.
  document.addEventListener("htmx:afterSettle", function (event) {
    var dialog = confirmDialog();
    if (!dialog) return;
    var target = event.detail.target;
    if (target.id === "confirm-body") {
      if (!dialog.open) {
        openedBy = document.activeElement;
        dialog.showModal();
      }
      var first = dialog.querySelector("#confirm-action") || dialog.querySelector("[data-close-dialog]");
      if (first) first.focus();
    } else if (target.id === "action-outcome" && dialog.open) {
      openedBy = target.querySelector("#outcome") || target;
      dialog.close();
    }
  });

  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-close-dialog]");
    var dialog = confirmDialog();
    if (close && dialog && dialog.contains(close)) {
      event.preventDefault();
      dialog.close();
    }
  });

  document.addEventListener(
    "close",
    function (event) {
      if (event.target !== confirmDialog()) return;
      document.getElementById("confirm-body").replaceChildren();
      var back = openedBy && document.body.contains(openedBy) ? openedBy : document.getElementById("selection-count");
      openedBy = null;
      if (back) back.focus();
    },
    true
  );

  // The language switcher returns to the view the address bar shows now (htmx may have moved
  // it since the page was drawn), with its query.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-language-switch")) {
      form.elements.namedItem("next").value = window.location.pathname + window.location.search;
    }
  });

  // After an action: the results show the change, and what was not done stays selected.
  document.body.addEventListener("cccadmin:numbers-changed", function (event) {
    selection.numbers = new Set(event.detail.stillSelected || []);
    selection.allMatching = false;
    htmx.ajax("GET", window.location.pathname + window.location.search, {
      target: "#results",
      source: "#results",
    });
  });

  // A long list of skill groups to tick (a number's page) is narrowed by name as one types;
  // without JavaScript the box stays hidden and every group is listed.
  function filterChoices(input) {
    var words = input.value.trim().toLowerCase();
    document.querySelectorAll(input.getAttribute("data-filter-choices") + " > li").forEach(function (item) {
      item.hidden = words !== "" && item.textContent.toLowerCase().indexOf(words) === -1;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-filter-choices]").forEach(function (input) {
      input.hidden = false;
    });
  });
  document.addEventListener("input", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-filter-choices")) filterChoices(event.target);
  });
})();
