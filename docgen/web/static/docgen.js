// docgen ward web app: small improvements on top of pages that work without JavaScript.
"use strict";

function focusErrorSummary() {
  const summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
}

// The chosen procedure limits the levels offered and shows only its own hint.
function followProcedure() {
  const procedure = document.getElementById("procedure");
  const list = document.getElementById("level-list");
  if (!procedure || !list) { return; }
  const allLevels = Array.from(list.querySelectorAll("option")).map(
    (option) => ({ value: option.value, region: option.dataset.region }));
  const hints = Array.from(document.querySelectorAll(".procedure-hints li"));
  function update() {
    const chosen = procedure.selectedOptions[0];
    const regions = chosen && chosen.dataset.regions ? chosen.dataset.regions.split(" ") : null;
    list.replaceChildren(...allLevels
      .filter((level) => !regions || regions.includes(level.region))
      .map((level) => {
        const option = document.createElement("option");
        option.value = level.value;
        option.dataset.region = level.region;
        return option;
      }));
    for (const hint of hints) {
      hint.hidden = Boolean(procedure.value) && hint.dataset.procedure !== procedure.value;
    }
  }
  procedure.addEventListener("change", update);
  update();
}

// Batch progress: poll status.json, then reload once the run is over.
function followJob() {
  const panel = document.getElementById("progress");
  if (!panel || panel.dataset.state === "done" || panel.dataset.state === "failed") { return; }
  const bar = document.getElementById("progress-bar");
  const text = document.getElementById("progress-text");
  async function poll() {
    try {
      const response = await fetch(panel.dataset.statusUrl, { cache: "no-store" });
      const status = await response.json();
      if (status.state !== panel.dataset.state) {  // started, done or failed: show it
        window.location.reload();
        return;
      }
      if (bar) { bar.max = status.rows_total || 1; bar.value = status.rows_done; }
      if (text && text.dataset.template) {  // the page's own words, in its language
        text.textContent = text.dataset.template
          .replace("{done}", status.rows_done).replace("{total}", status.rows_total);
      }
    } catch (error) {
      // The server may be busy; try again on the next tick.
    }
    window.setTimeout(poll, 1000);
  }
  window.setTimeout(poll, 500);
}

document.addEventListener("DOMContentLoaded", () => {
  focusErrorSummary();
  followProcedure();
  followJob();
});
