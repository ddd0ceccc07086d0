// netwave console: a little progressive enhancement; every page works without it.
"use strict";

// New-change form: show only the fields of the chosen kind.
function showKindFields() {
  const kind = document.getElementById("kind");
  if (!kind) return;
  const update = () => {
    document.querySelectorAll("fieldset[data-kind]").forEach((set) => {
      set.hidden = set.dataset.kind !== kind.value;
    });
  };
  kind.addEventListener("change", update);
  update();
}

// A form on its way (an approval, a pause) must not be cut off by a polling reload: the
// reload would cancel the pending navigation and could send the form a second time.
let submitting = false;
document.addEventListener("submit", () => {
  submitting = true;
});

// Pages of something in flight carry data-poll (a JSON URL) and data-status: when the
// status there changes, reload the page to show the new state.
function pollStatus() {
  const body = document.body;
  const url = body.dataset.poll;
  if (!url) return;
  const tick = async () => {
    if (submitting) return;
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (response.ok) {
        const doc = await response.json();
        if (doc.status !== body.dataset.status && !submitting) {
          window.location.reload();
          return;
        }
      }
    } catch (err) {
      // the API restarting is no reason to stop following the change
    }
    window.setTimeout(tick, 2000);
  };
  window.setTimeout(tick, 2000);
}

document.addEventListener("DOMContentLoaded", () => {
  showKindFields();
  pollStatus();
});

// Campaign pages carry data-campaign-poll: redraw waves and devices from the JSON every
// two seconds; reload once when the campaign reaches a final status.
function pollCampaign() {
  const url = document.body.dataset.campaignPoll;
  if (!url) return;
  const setStatus = (cell, status) => {
    const badge = cell && cell.querySelector(".status");
    if (!badge) return;
    badge.className = "status s-" + status;
    badge.textContent = status.replace(/_/g, " ");
  };
  const tick = async () => {
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (response.ok) {
        const doc = await response.json();
        const shown = document.querySelectorAll("#devices tbody tr").length;
        if (submitting) return;
        if (doc.final || doc.devices.length !== shown) {
          // finished, or the workflow has just resolved its devices and waves: redraw all
          window.location.reload();
          return;
        }
        setStatus(document.getElementById("campaign-status"), doc.status);
        doc.waves.forEach((wave) => {
          const row = document.querySelector(`#waves tr[data-wave="${wave.index}"]`);
          if (!row) return;
          row.querySelector("progress").value = wave.done;
          row.querySelector(".done").textContent = wave.done;
          row.querySelector(".failed").textContent = wave.failed;
        });
        doc.devices.forEach((device) => {
          const row = document.querySelector(`#devices tr[data-device="${CSS.escape(device.key)}"]`);
          if (!row) return;
          setStatus(row.querySelector(".status-cell"), device.status);
          row.querySelector(".step").textContent = device.step;
        });
      }
    } catch (err) {
      // keep polling through an API restart
    }
    window.setTimeout(tick, 2000);
  };
  window.setTimeout(tick, 2000);
}

document.addEventListener("DOMContentLoaded", pollCampaign);
