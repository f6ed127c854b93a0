// The managers' ratings page: averages per group, the low marks with their tickets, export.
"use strict";
(() => {
  if (!ADMIN.requireLogin()) return;
  const el = MFCQ.el;
  const fmt = (v) => v === null || v === undefined ? "—" : String(v);
  function query(form) {
    const p = new URLSearchParams({from: form.get("from"), to: form.get("to")});
    for (const code of (form.get("office") || "").split(",").map(s => s.trim()).filter(Boolean)) p.append("office", code);
    return p;
  }
  async function download(path, name) {
    try {
      const a = el("a", {href: URL.createObjectURL(await MFCQ.api("GET", path)), download: name});
      a.click();
    } catch (err) { document.getElementById("error").textContent = err.message; }
  }
  function table(title, id, head, rows) {
    return el("section", {id}, el("h2", {}, title),
      el("table", {}, el("thead", {}, el("tr", {}, ...head.map(h => el("th", {}, h)))),
        el("tbody", {}, ...rows.map(r => el("tr", {}, ...r.map(c => el("td", {}, fmt(c))))))));
  }
  document.getElementById("period").addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(event.target);
    const p = query(data);
    const error = document.getElementById("error");
    error.textContent = "";
    try {
      const report = await MFCQ.api("GET", "/ratings/report?" + p + "&by=" + encodeURIComponent(data.get("by")));
      const names = report.criteria.map(c => c.name_ru);
      document.getElementById("groups").replaceChildren(table("Средние оценки", "groups-table",
        ["Группа", "Оценок", "Низких (1–2)", "Доля низких", ...names, "Общая"],
        report.groups.map(g => [g.key, g.ratings, g.low, g.low_share === null ? null : (100 * g.low_share).toFixed(1) + "%",
          ...report.criteria.map(c => g[c.key]), g.overall])));
      document.getElementById("low").replaceChildren(table("Низкие оценки (1–2) и талоны", "low-table",
        ["Талон", "Дата", "Офис", "Услуга", "Окно", "Сотрудник", ...names],
        report.low.map(r => [r.number, r.day, r.office, r.service, r.window, r.clerk, ...report.criteria.map(c => r[c.key])])));
      const links = ["csv", "xlsx"].map(f => {
        const a = el("a", {href: "#", "data-format": f}, "Выгрузить " + f.toUpperCase());
        a.addEventListener("click", (e) => { e.preventDefault(); download(`/ratings/export.${f}?` + p, `ratings.${f}`); });
        return a;
      });
      document.getElementById("links").replaceChildren(...links.flatMap((a, i) => i ? [" ", a] : [a]));
    } catch (err) { error.textContent = err.message; }
  });
})();
