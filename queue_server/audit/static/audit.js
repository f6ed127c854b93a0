// The audit trail page: filters (who, what, office, period), the entries, a CSV export.
"use strict";
(async () => {
  if (!ADMIN.requireLogin()) return;
  const el = MFCQ.el;
  const form = document.getElementById("filters");
  const error = document.getElementById("error");
  function query() {
    const p = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value) p.set(key, value);
    return p;
  }
  async function show() {
    error.textContent = "";
    try {
      const rows = await MFCQ.api("GET", "/audit?" + query());
      document.querySelector("#entries tbody").replaceChildren(...rows.map(r => el("tr", {},
        el("td", {}, new Date(r.at).toLocaleString("ru-RU")), el("td", {}, r.actor_name),
        el("td", {}, r.action_ru), el("td", {}, r.office || "—"), el("td", {}, r.target),
        el("td", {}, r.address || "—"))));
    } catch (err) { error.textContent = err.message; }
  }
  form.addEventListener("submit", (event) => { event.preventDefault(); show(); });
  document.getElementById("export").addEventListener("click", async () => {
    try {
      const a = el("a", {href: URL.createObjectURL(await MFCQ.api("GET", "/audit/export.csv?" + query())), download: "audit.csv"});
      a.click();
    } catch (err) { error.textContent = err.message; }
  });
  try {
    const select = form.querySelector("select[name=action]");
    for (const a of await MFCQ.api("GET", "/audit/actions")) select.append(el("option", {value: a.key}, a.name_ru));
  } catch (err) { error.textContent = err.message; }
  show();
})();
