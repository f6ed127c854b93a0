// The rating form on a ticket's public page (/t/…): shown once the ticket is finished.
"use strict";
(() => {
  const section = document.getElementById("rating");
  if (!section) return;
  const code = section.dataset.code;
  const form = document.getElementById("rating-form");
  const message = document.getElementById("rating-message");
  const error = document.getElementById("rating-error");
  const url = `/api/v1/tickets/status/${encodeURIComponent(code)}/rating`;
  let done = false, timer = null;

  async function refresh() {
    if (done) return;
    try {
      const r = await fetch(url, {cache: "no-store"});
      if (!r.ok) return;
      const state = await r.json();
      if (state.can_rate) {
        section.hidden = false; message.textContent = state.message;
        if (form.hidden) { MARKS.build(form, state.criteria, send); form.hidden = false; }
        done = true;
      } else if (state.rated) {
        section.hidden = false; form.hidden = true; message.textContent = state.message; done = true;
      }
      if (done && timer !== null) { clearInterval(timer); timer = null; }
    } catch (e) { /* the status line above already says we are offline */ }
  }

  async function send(marks) {
    const r = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(marks)});
    if (r.ok) {
      form.hidden = true; error.textContent = "";
      message.textContent = (await r.json()).message;
    } else {
      error.textContent = await MARKS.errorText(r);
    }
  }
  refresh();
  timer = setInterval(refresh, 5000);
})();
