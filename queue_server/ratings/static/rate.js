// The rating screen at a window: shows the form when a service there has just finished.
"use strict";
(() => {
  const screen = document.getElementById("screen");
  const office = screen.dataset.office, windowNo = screen.dataset.window;
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (token) MFCQ.useDeviceToken(token);
  const form = document.getElementById("marks");
  const message = document.getElementById("message");
  const error = document.getElementById("error");
  const path = `/offices/${encodeURIComponent(office)}/windows/${encodeURIComponent(windowNo)}/rating`;
  let shown = null, thanksUntil = 0;

  async function refresh() {
    if (Date.now() < thanksUntil) return;
    try {
      const r = await MFCQ.api("GET", path);
      error.textContent = "";
      if (r.can_rate && r.ticket_id !== shown) {
        shown = r.ticket_id;
        message.textContent = `Талон ${r.number}. ${r.message}`;
        MARKS.build(form, r.criteria, (marks) => send(r.ticket_id, marks));
        form.hidden = false;
      } else if (!r.can_rate) {
        shown = null; form.hidden = true; message.textContent = r.message;
      }
    } catch (err) {
      error.textContent = err.message;
    }
  }

  async function send(ticketId, marks) {
    try {
      const r = await MFCQ.api("POST", path, {ticket_id: ticketId, ...marks});
      form.hidden = true; error.textContent = "";
      message.textContent = r.message;
      shown = null; thanksUntil = Date.now() + 5000;
    } catch (err) {
      error.textContent = err.message;
    }
  }
  refresh();
  setInterval(refresh, 2000);
})();
