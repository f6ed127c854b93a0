"use strict";
const {el} = MFCQ;
function row(section, fields, item) {
  const code = el("input", {value: item.code || "", "data-field": "code", size: 12, pattern: "[A-Za-z0-9_.\\-]{1,32}", "aria-label": "Код"});
  if (item.code) code.readOnly = true;
  const inputs = fields.map(([name, label, type]) => {
    const i = el("input", {type, "data-field": name, "aria-label": label});
    if (type === "checkbox") i.checked = item[name] ?? true; else i.value = item[name] ?? (type === "number" ? 0 : "");
    return i;
  });
  const save = el("button", {type: "button"}, "Сохранить");
  const tr = el("tr", {"data-code": item.code || ""}, el("td", {}, code), ...inputs.map(i => el("td", {}, i)), el("td", {}, save));
  save.addEventListener("click", async () => {
    const ok = section.querySelector(".ok"), error = section.querySelector(".error");
    ok.textContent = ""; error.textContent = "";
    try {
      if (!code.value.trim()) throw new Error("Укажите код.");
      const body = {};
      fields.forEach(([name, , type], n) => {
        body[name] = type === "checkbox" ? inputs[n].checked : type === "number" ? Number(inputs[n].value) : inputs[n].value.trim();
      });
      await MFCQ.api("PUT", "/" + section.dataset.kind + "/" + encodeURIComponent(code.value.trim()), body);
      code.readOnly = true; tr.dataset.code = code.value.trim();
      ok.textContent = "Сохранено";
    } catch (err) { error.textContent = err.message; }
  });
  section.querySelector("tbody").append(tr);
}
async function init() {
  for (const section of document.querySelectorAll("section.catalogue")) {
    const fields = JSON.parse(section.querySelector(".fields").textContent);
    for (const item of await MFCQ.api("GET", "/" + section.dataset.kind)) row(section, fields, item);
    section.querySelector(".add").addEventListener("click", () => row(section, fields, {}));
  }
  document.body.dataset.ready = "true";
}
if (ADMIN.requireLogin()) init().catch(err => { document.querySelector(".error").textContent = err.message; });
