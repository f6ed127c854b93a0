// The office's complaints register for its staff: register, list, open, review, answer, withdraw.
"use strict";
const $ = (id) => document.getElementById(id);
const {el} = MFCQ;
const STEP_RU = {register: "зарегистрирована", review: "взята на рассмотрение", answer: "дан ответ", withdraw: "отозвана"};
let office = null, current = null, zone = undefined;

const ru = (iso) => iso.split("-").reverse().join(".");
// Times in the office's own zone, whatever the zone of the browser.
const when = (iso) => new Date(iso).toLocaleString("ru-RU", {timeZone: zone});

async function attempt(errorId, task) {
  $(errorId).textContent = "";
  try { await task(); } catch (err) { $(errorId).textContent = err.message; }
}

function concerns(c) {
  const parts = [];
  if (c.ticket_number) parts.push("талон " + c.ticket_number);
  if (c.case_number) parts.push("дело " + c.case_number);
  if (c.window) parts.push("окно " + c.window);
  if (c.clerk) parts.push("сотрудник " + c.clerk);
  if (c.service_name) parts.push("услуга «" + c.service_name + "»");
  if (!parts.length && c.reference) parts.push("указано заявителем: " + c.reference);
  return parts.length ? "Касается: " + parts.join(", ") : "Не привязана к талону или делу";
}

async function loadList() {
  const rows = await MFCQ.api("GET", "/offices/" + encodeURIComponent(office) + "/complaints");
  $("complaints").querySelector("tbody").replaceChildren(...rows.map(c => {
    const tr = el("tr", {"data-id": String(c.id), "data-number": c.number, "class": "state-" + c.deadline_state},
      el("td", {}, c.number), el("td", {}, c.category_ru), el("td", {}, c.status_ru),
      el("td", {}, ru(c.answer_due)), el("td", {}, c.applicant_name));
    tr.addEventListener("click", () => attempt("list-error", () => open(c.id)));
    return tr;
  }));
}

function show(c) {
  current = c;
  $("detail").hidden = false;
  $("detail").dataset.status = c.status;
  $("d-number").textContent = c.number;
  $("d-category").textContent = c.category_ru;
  $("d-status").textContent = c.status_ru;
  $("d-due").textContent = ru(c.answer_due) + (c.deadline_state === "overdue" ? " (срок истёк)" : "");
  $("d-concerns").textContent = concerns(c);
  $("d-applicant").textContent = c.applicant_name;
  $("d-contact").textContent = c.applicant_contact;
  $("d-text").textContent = c.text;
  $("d-answer-shown").hidden = !c.answer;
  $("d-answer-text").textContent = c.answer || "";
  $("d-steps").replaceChildren(...c.steps.map(s => el("li", {"data-action": s.action},
    when(s.at) + " — " + (STEP_RU[s.action] || s.action) + (s.by ? " (" + s.by + ")" : " (с сайта)") +
    (s.note ? ": " + s.note : ""))));
  $("d-actions").hidden = c.status === "answered" || c.status === "withdrawn";
  $("review").hidden = c.status !== "registered";
}

async function open(id) { show(await MFCQ.api("GET", "/complaints/" + id)); }

async function step(path, body) {
  await attempt("detail-error", async () => {
    show(await MFCQ.api("POST", "/complaints/" + current.id + "/" + path, body));
    await loadList();
  });
}

function newBody() {
  const value = (id) => $(id).value.trim();
  if (!value("applicant-name")) throw new Error("Укажите ФИО заявителя.");
  if (!value("applicant-contact")) throw new Error("Укажите, как связаться с заявителем.");
  if (!value("text")) throw new Error("Впишите текст жалобы.");
  const body = {
    category: $("category").value, applicant_name: value("applicant-name"),
    applicant_contact: value("applicant-contact"), text: value("text"),
    consent_personal_data: $("consent").checked,
  };
  if (value("reference")) body.reference = value("reference");
  if (value("window")) body.window = Number(value("window"));
  if (value("clerk")) body.clerk = value("clerk");
  if (value("service")) body.service = value("service");
  if (value("received-at")) body.received_at = new Date(value("received-at")).toISOString();
  return body;
}

$("new-form").addEventListener("submit", (event) => {
  event.preventDefault();
  $("registered").textContent = "";
  attempt("new-error", async () => {
    const created = await MFCQ.api("POST", "/offices/" + encodeURIComponent(office) + "/complaints", newBody());
    // The card and the notice change together, before the list reloads.
    show(created);
    $("registered").textContent = "Зарегистрирована жалоба № " + created.number;
    event.target.reset();
    await loadList();
  });
});
$("review").addEventListener("click", () => step("review", {}));
$("answer-button").addEventListener("click", () => {
  if (!$("answer").value.trim()) { $("detail-error").textContent = "Впишите ответ заявителю."; return; }
  step("answer", {answer: $("answer").value.trim()});
});
$("withdraw").addEventListener("click", () => {
  if (!$("withdraw-reason").value.trim()) { $("detail-error").textContent = "Укажите причину отзыва."; return; }
  step("withdraw", {reason: $("withdraw-reason").value.trim()});
});

async function start() {
  let me;
  try { me = await MFCQ.api("GET", "/auth/me"); } catch (err) { $("login").hidden = false; return; }
  if (!me.office) {
    $("login").hidden = false;
    $("login-error").textContent = "Журнал жалоб ведут сотрудники офиса; войдите под учётной записью офиса.";
    return;
  }
  office = me.office;
  try { zone = (await MFCQ.api("GET", "/offices/" + encodeURIComponent(office))).timezone; } catch (err) { /* the browser's zone */ }
  $("who").textContent = me.name + " · " + office;
  $("public-link").href = "/complaints/" + encodeURIComponent(office);
  $("public-link").hidden = false;
  $("login").hidden = true;
  $("work").hidden = false;
  await attempt("list-error", loadList);
  document.body.dataset.ready = "true";
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  try { await MFCQ.login($("username").value, $("password").value); }
  catch (err) { $("login-error").textContent = err.message; return; }
  await start();
});
MFCQ.onUnauthorized(() => { $("work").hidden = true; $("login").hidden = false; });
start();
