// The chosen-call report: the period and offices, the table, and its CSV download.
"use strict";
const form = document.getElementById("period");
const error = document.getElementById("error");
function query() {
  const data = new FormData(form);
  const p = new URLSearchParams({from: data.get("from"), to: data.get("to")});
  for (const code of data.getAll("office")) p.append("office", code);
  return p;
}
function cell(value, column) {
  if (value === null || value === undefined || value === "") return "—";
  if (column.names && String(value) in column.names) return column.names[String(value)];
  return String(value);
}
async function prepareForm() {
  try {
    const start = await MFCQ.api("GET", "/reports/form");
    form.elements.from.value = start.from;
    form.elements.to.value = start.to;
    document.getElementById("offices").append(...start.offices.map(o =>
      MFCQ.el("label", {}, MFCQ.el("input", {type: "checkbox", name: "office", value: o.code}), " " + o.name)));
  } catch (err) { error.textContent = err.message; }
}
async function show() {
  error.textContent = "";
  try {
    const report = await MFCQ.api("GET", "/reports/chosen-calls?" + query());
    const t = report.tables.chosen_calls;
    document.querySelector("#calls thead tr").replaceChildren(
      ...t.columns.map(c => MFCQ.el("th", {scope: "col"}, c.label_ru)));
    document.querySelector("#calls tbody").replaceChildren(...t.rows.map(r =>
      MFCQ.el("tr", {}, ...t.columns.map(c => MFCQ.el("td", {"data-column": c.key}, cell(r[c.key], c))))));
    document.getElementById("summary").textContent = t.rows.length
      ? "Вызовов за период: " + t.rows.length + "."
      : "За этот период вызовов выбранных талонов нет.";
    document.getElementById("note").textContent = t.note;
    document.getElementById("csv").disabled = false;
  } catch (err) { error.textContent = err.message; }
}
async function download() {
  try {
    const blob = await MFCQ.api("GET", "/reports/chosen-calls/export.csv?" + query());
    MFCQ.el("a", {href: URL.createObjectURL(blob), download: "chosen_calls.csv"}).click();
  } catch (err) { error.textContent = err.message; }
}
form.addEventListener("submit", (event) => { event.preventDefault(); show(); });
document.getElementById("csv").addEventListener("click", download);
if (ADMIN.requireLogin()) prepareForm();
