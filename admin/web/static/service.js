"use strict";
const CONFIG = MFCQ.pageConfig();
const CODE = CONFIG.service_code;
const IS_NEW = CODE === "+new";
const KIND_DEFAULTS = CONFIG.kind_defaults;
const form = document.getElementById("service");
const {el} = MFCQ;

function input(name, value, attrs) {
  const node = el("input", Object.assign({"data-field": name}, attrs || {}));
  if (node.type === "checkbox") node.checked = !!value; else node.value = value ?? "";
  return node;
}
function removeButton(row) {
  const b = el("button", {type: "button", class: "remove", title: "Удалить"}, "✕");
  b.addEventListener("click", () => row.remove());
  return b;
}
function codes(selector) {
  return [...document.querySelectorAll(selector)].map(i => i.value.trim()).filter(Boolean);
}
// A select whose options follow the current variant (and question) codes.
function fillSelect(select, withQuestions) {
  const value = select.value || select.dataset.value || "";
  const options = withQuestions ? [el("option", {value: ""}, "— выберите —")] : [el("option", {value: ""}, "— для всех —")];
  if (withQuestions) {
    for (const q of codes("#questions [data-field=code]")) options.push(el("option", {value: "q:" + q}, "→ вопрос " + q));
  }
  for (const v of codes("#variants [data-field=code]")) options.push(el("option", {value: (withQuestions ? "v:" : "") + v}, (withQuestions ? "→ вариант " : "") + v));
  if (value && !options.some(o => o.value === value)) options.push(el("option", {value}, value + " (нет такого)"));
  select.replaceChildren(...options);
  select.value = value;
}
function targetSelect(value, withQuestions, cls) {
  const select = el("select", {"data-field": cls, class: cls});
  select.dataset.value = value || "";
  fillSelect(select, withQuestions);
  select.addEventListener("focus", () => fillSelect(select, withQuestions));
  select.addEventListener("mousedown", () => fillSelect(select, withQuestions));
  return select;
}
function refreshSelects() {
  for (const s of document.querySelectorAll("select.doc-variant")) fillSelect(s, false);
  for (const s of document.querySelectorAll("select.target")) fillSelect(s, true);
}

function documentRow(d) {
  const row = el("tr", {class: "document"});
  row.append(
    el("td", {}, input("name_ru", d.name_ru, {"aria-label": "Документ"})),
    el("td", {}, input("name_en", d.name_en)),
    el("td", {}, input("needs_original", d.needs_original ?? true, {type: "checkbox", "aria-label": "Подлинник"})),
    el("td", {}, input("needs_copy", d.needs_copy, {type: "checkbox", "aria-label": "Копия"})),
    el("td", {}, input("required", d.required ?? true, {type: "checkbox", "aria-label": "Обязателен"})),
    el("td", {}, input("note_ru", d.note_ru)),
    el("td", {}, targetSelect(d.variant, false, "doc-variant")),
    el("td", {}, ""));
  row.lastChild.append(removeButton(row));
  document.querySelector("#documents tbody").append(row);
}
function variantRow(v) {
  const row = el("tr", {class: "variant"});
  row.append(
    el("td", {}, input("code", v.code, {size: 10, "aria-label": "Код варианта"})),
    el("td", {}, input("name_ru", v.name_ru, {"aria-label": "Название варианта"})),
    el("td", {}, input("name_en", v.name_en)),
    el("td", {}, input("term_working_days", v.term_working_days, {type: "number", min: 0, max: 365})),
    el("td", {}, ""));
  row.lastChild.append(removeButton(row));
  document.querySelector("#variants tbody").append(row);
}
function optionRow(tbody, o) {
  const row = el("tr", {class: "option"});
  const target = o.next_question ? "q:" + o.next_question : (o.variant ? "v:" + o.variant : "");
  row.append(
    el("td", {}, input("text_ru", o.text_ru, {"aria-label": "Ответ"})),
    el("td", {}, input("text_en", o.text_en)),
    el("td", {}, targetSelect(target, true, "target")),
    el("td", {}, ""));
  row.lastChild.append(removeButton(row));
  tbody.append(row);
}
function questionBlock(q) {
  const block = el("fieldset", {class: "question"});
  const tbody = el("tbody");
  const add = el("button", {type: "button", class: "add-option"}, "+ ответ");
  add.addEventListener("click", () => optionRow(tbody, {}));
  const remove = el("button", {type: "button", class: "remove"}, "Удалить вопрос");
  remove.addEventListener("click", () => block.remove());
  block.append(
    el("legend", {}, "Вопрос"),
    el("label", {}, "Код ", input("code", q.code, {size: 10, "aria-label": "Код вопроса"})),
    el("label", {}, "Текст (рус.) ", input("text_ru", q.text_ru, {size: 50, "aria-label": "Текст вопроса"})),
    el("label", {}, "(англ.) ", input("text_en", q.text_en, {size: 40})),
    el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "Ответ (рус.)"), el("th", {}, "(англ.)"),
                                        el("th", {}, "Ведёт к"), el("th", {}, ""))), tbody),
    add, " ", remove);
  for (const o of q.options || [{}, {}]) optionRow(tbody, o);
  document.getElementById("questions").append(block);
}

function showDefaults() {
  const d = KIND_DEFAULTS[form.kind.value];
  document.getElementById("limit-default").textContent = "по умолчанию для вида: " + d.limit + " мин";
  document.getElementById("norm-default").textContent = "по умолчанию для вида: " + d.norm + " мин";
  form.wait_limit_minutes.placeholder = d.limit;
  form.service_norm_minutes.placeholder = d.norm;
}

function load(s) {
  form.code.value = s.code || "";
  form.code.readOnly = !IS_NEW;
  for (const f of ["name_ru", "name_en", "prefix", "position"]) form[f].value = s[f] ?? "";
  for (const f of ["wait_limit_minutes", "service_norm_minutes", "term_working_days"]) form[f].value = s[f] ?? "";
  form.kind.value = s.kind || "intake";
  form.group.value = s.group || "";
  form.agency.value = s.agency || "";
  form.active.checked = s.active ?? true;
  for (const d of s.documents || []) documentRow(d);
  for (const v of s.variants || []) variantRow(v);
  for (const q of s.questions || []) questionBlock(q);
  refreshSelects();
  showDefaults();
}

function number(value) { return value === "" ? null : Number(value); }
function field(row, name) { return row.querySelector(`[data-field=${name}]`); }
function collect() {
  const body = {
    name_ru: form.name_ru.value.trim(), name_en: form.name_en.value.trim(),
    group: form.group.value || null, prefix: form.prefix.value.trim(), kind: form.kind.value,
    wait_limit_minutes: number(form.wait_limit_minutes.value),
    service_norm_minutes: number(form.service_norm_minutes.value),
    term_working_days: number(form.term_working_days.value),
    agency: form.agency.value || null, position: number(form.position.value) || 0,
    active: form.active.checked,
  };
  body.documents = [...document.querySelectorAll("#documents tr.document")].map(r => ({
    name_ru: field(r, "name_ru").value.trim(), name_en: field(r, "name_en").value.trim(),
    needs_original: field(r, "needs_original").checked, needs_copy: field(r, "needs_copy").checked,
    required: field(r, "required").checked, note_ru: field(r, "note_ru").value.trim(),
    variant: field(r, "doc-variant").value || null,
  }));
  body.variants = [...document.querySelectorAll("#variants tr.variant")].map(r => ({
    code: field(r, "code").value.trim(), name_ru: field(r, "name_ru").value.trim(),
    name_en: field(r, "name_en").value.trim(), term_working_days: number(field(r, "term_working_days").value),
  }));
  body.questions = [...document.querySelectorAll("#questions fieldset.question")].map(q => ({
    code: field(q, "code").value.trim(), text_ru: field(q, "text_ru").value.trim(),
    text_en: field(q, "text_en").value.trim(),
    options: [...q.querySelectorAll("tr.option")].map(r => {
      const target = field(r, "target").value;
      return {
        text_ru: field(r, "text_ru").value.trim(), text_en: field(r, "text_en").value.trim(),
        next_question: target.startsWith("q:") ? target.slice(2) : null,
        variant: target.startsWith("v:") ? target.slice(2) : null,
      };
    }),
  }));
  return body;
}

async function save(event) {
  event.preventDefault();
  const error = document.getElementById("service-error");
  const saved = document.getElementById("saved");
  error.textContent = ""; saved.textContent = "";
  const code = form.code.value.trim();
  if (!code) { error.textContent = "Укажите код услуги."; return; }
  try {
    const stored = await MFCQ.api("PUT", "/services/" + encodeURIComponent(code), collect());
    saved.textContent = "Сохранено";
    if (IS_NEW) { history.replaceState(null, "", "/admin/settings/services/" + encodeURIComponent(stored.code)); form.code.readOnly = true; }
    form.wait_limit_minutes.value = stored.wait_limit_minutes;
    form.service_norm_minutes.value = stored.service_norm_minutes;
  } catch (err) { error.textContent = err.message; }
}

async function init() {
  const [groups, agencies] = await Promise.all([MFCQ.api("GET", "/service-groups"), MFCQ.api("GET", "/agencies")]);
  for (const g of groups) form.group.append(el("option", {value: g.code}, g.name_ru));
  for (const a of agencies) form.agency.append(el("option", {value: a.code}, a.name));
  if (IS_NEW) { document.getElementById("title").textContent = "Новая услуга"; load({}); }
  else {
    document.getElementById("title").textContent = "Услуга " + CODE;
    load(await MFCQ.api("GET", "/services/" + encodeURIComponent(CODE)));
  }
  document.body.dataset.ready = "true";
}
form.kind.addEventListener("change", showDefaults);
form.addEventListener("input", (e) => { if (e.target.dataset.field === "code") refreshSelects(); });
document.getElementById("add-document").addEventListener("click", () => { documentRow({}); refreshSelects(); });
document.getElementById("add-variant").addEventListener("click", () => variantRow({}));
document.getElementById("add-question").addEventListener("click", () => { questionBlock({}); refreshSelects(); });
form.addEventListener("submit", save);
if (ADMIN.requireLogin()) init().catch(err => { document.getElementById("service-error").textContent = err.message; });
