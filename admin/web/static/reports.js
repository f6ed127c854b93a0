"use strict";
function query(form) {
  const p = new URLSearchParams({from: form.get("from"), to: form.get("to")});
  for (const code of (form.get("office") || "").split(",").map(s => s.trim()).filter(Boolean)) p.append("office", code);
  return p;
}
async function download(path, name) {
  try {
    const a = MFCQ.el("a", {href: URL.createObjectURL(await MFCQ.api("GET", path)), download: name});
    a.click();
  } catch (err) { document.getElementById("error").textContent = err.message; }
}
function cell(value, kind) {
  if (kind === "seconds") return ADMIN.mmss(value);
  if (kind === "share") return value === null ? "—" : (100 * value).toFixed(1) + "%";
  return value === null ? "—" : String(value);
}
function table(t) {
  return MFCQ.el("section", {"data-table": t.key}, MFCQ.el("h2", {}, t.title_ru),
    MFCQ.el("table", {}, MFCQ.el("thead", {}, MFCQ.el("tr", {}, ...t.columns.map(c => MFCQ.el("th", {}, c.label_ru)))),
      MFCQ.el("tbody", {}, ...t.rows.map(r => MFCQ.el("tr", {}, ...t.columns.map(c => MFCQ.el("td", {}, cell(r[c.key], c.kind))))))),
    t.note ? MFCQ.el("p", {}, t.note) : "");
}
document.getElementById("period").addEventListener("submit", async (event) => {
  event.preventDefault();
  const p = query(new FormData(event.target));
  document.getElementById("error").textContent = "";
  try {
    const report = await MFCQ.api("GET", "/reports?" + p);
    const tables = Object.values(report.tables).map(table);
    if (report.offices.length === 1) {
      const plan = await MFCQ.api("GET", "/reports/staffing?" + new URLSearchParams({from: p.get("from"), to: p.get("to"), office: report.offices[0]}));
      tables.push(table(plan));
    }
    document.getElementById("tables").replaceChildren(...tables);
    const charts = [];
    for (const chart of ["wait_by_hour", "within_by_service", "heatmap"]) {
      const svg = await MFCQ.api("GET", "/reports/charts/" + chart + ".svg?" + p);
      const img = MFCQ.el("img", {alt: chart, src: URL.createObjectURL(svg)});
      charts.push(img);
    }
    document.getElementById("charts").replaceChildren(...charts);
    const links = ["csv", "xlsx", "pdf"].map(fmt => {
      const b = MFCQ.el("button", {type: "button"}, fmt.toUpperCase());
      b.addEventListener("click", () => download("/reports/export." + fmt + "?" + p, "report." + fmt));
      return b;
    });
    document.getElementById("links").replaceChildren(...links);
  } catch (err) { document.getElementById("error").textContent = err.message; }
});
ADMIN.requireLogin();
