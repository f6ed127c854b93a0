"use strict";
function query(form) {
  const p = new URLSearchParams({from: form.get("from"), to: form.get("to")});
  for (const code of form.getAll("office")) p.append("office", code);
  return p;
}
// The form opens on the current month (the server's clock, the office's zone) with the
// offices the manager may see, to tick by name.
async function prepareForm() {
  try {
    const start = await MFCQ.api("GET", "/reports/form");
    const form = document.getElementById("period");
    form.elements.from.value = start.from;
    form.elements.to.value = start.to;
    document.getElementById("offices").append(...start.offices.map(o =>
      MFCQ.el("label", {}, MFCQ.el("input", {type: "checkbox", name: "office", value: o.code}), " " + o.name)));
  } catch (err) { document.getElementById("error").textContent = err.message; }
}
async function download(path, name) {
  try {
    const a = MFCQ.el("a", {href: URL.createObjectURL(await MFCQ.api("GET", path)), download: name});
    a.click();
  } catch (err) { document.getElementById("error").textContent = err.message; }
}
const UNITS = {seconds: ", мин:с", share: ", %"};
function cell(value, column) {
  if (value === null || value === undefined) return "—";
  if (column.names && String(value) in column.names) return column.names[String(value)];
  if (column.kind === "seconds") return ADMIN.mmss(value);
  if (column.kind === "share") return (100 * value).toFixed(1).replace(".", ",");
  if (typeof value === "number" && !Number.isInteger(value)) return value.toFixed(1).replace(".", ",");
  return String(value);
}
function table(t) {
  return MFCQ.el("section", {"data-table": t.key}, MFCQ.el("h2", {}, t.title_ru),
    MFCQ.el("table", {}, MFCQ.el("thead", {}, MFCQ.el("tr", {}, ...t.columns.map(c => MFCQ.el("th", {scope: "col"}, c.label_ru + (UNITS[c.kind] || ""))))),
      MFCQ.el("tbody", {}, ...t.rows.map(r => MFCQ.el("tr", {}, ...t.columns.map(c => MFCQ.el("td", {}, cell(r[c.key], c))))))),
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
      tables.push(MFCQ.el("p", {}, MFCQ.el("a", {href: "/admin/planner/" + encodeURIComponent(report.offices[0])},
        "Что если: смоделировать день с другим числом окон")));
    }
    document.getElementById("tables").replaceChildren(...tables);
    const charts = [];
    for (const chart of ["wait_by_hour", "within_by_service", "heatmap"]) {
      const svg = await MFCQ.api("GET", "/reports/charts/" + chart + ".svg?" + p);
      const img = MFCQ.el("img", {alt: CHART_NAMES[chart], src: URL.createObjectURL(svg)});
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
const CHART_NAMES = {
  wait_by_hour: "Ожидание по часам прихода: медиана и 90-й перцентиль",
  within_by_service: "Доля ожиданий в пределах норматива по услугам",
  heatmap: "Среднее ожидание по дням недели и часам",
};
if (ADMIN.requireLogin()) prepareForm();
