// The clerk's workplace. Plain JS over the REST API (MFCQ, the pages' shared client); live
// updates come over the office's event WebSocket, with a slow poll of the outbox as the
// fallback (fast while it is down).
"use strict";
const $ = (id) => document.getElementById(id);
const state = {
  me: null, office: null, window: null,
  services: {}, current: null, lastEvent: 0, offset: 0, caseId: null, issuedCase: null,
};
const api = MFCQ.api;
// A refused token is already forgotten: the reload shows the login.
MFCQ.onUnauthorized(() => location.reload());
const show = (id, on) => { $(id).hidden = !on; };
const fail = (where) => (e) => { $(where).textContent = e.message; };
const clear = (...ids) => ids.forEach((id) => { $(id).textContent = ""; });
const mmss = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
const serverNow = () => Date.now() + state.offset;

// --- login and windows -----------------------------------------------------------------
$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try { await MFCQ.login($("username").value, $("password").value); }
  catch (e) { $("login-error").textContent = e.message; return; }
  start();
});
function logout() { MFCQ.forgetToken(); location.reload(); }
$("logout").addEventListener("click", logout);

async function start() {
  try { state.me = await api("GET", "/auth/me"); } catch { show("login", true); return; }
  state.office = state.me.office;
  $("who").textContent = `${state.me.name} · ${state.office}`;
  show("login", false); show("logout", true);
  for (const s of await api("GET", `/offices/${state.office}/services`)) state.services[s.code] = s;
  const windows = await api("GET", `/offices/${state.office}/windows`);
  const mine = windows.find((w) => w.clerk === state.me.name);
  if (mine) enterWindow(mine); else listWindows(windows);
  const events = await api("GET", `/offices/${state.office}/events?after=0&limit=5000`);
  state.lastEvent = events.length ? events[events.length - 1].id : 0;
  subscribe();
  schedulePoll();
  setInterval(tick, 500);
}

// --- live updates ------------------------------------------------------------------------
// While the socket is up the poll only keeps colours and timers moving with time (a wait
// crosses its warning threshold with no event); ?poll=N sets it in seconds.
const SLOW_POLL_MS = 1000 * (Number(new URLSearchParams(location.search).get("poll")) || 5);
const FAST_POLL_MS = 2000;
let socketUp = false, pollTimer = null;

function setLive(on) {
  socketUp = on;
  $("live").classList.toggle("stale", !on);
  $("live").title = on ? "На связи: обновления приходят сразу" : "Нет связи: обновление каждые 2 с";
}

// Resumes after the last event the page has seen, so a reconnect misses no scan.
function subscribe() {
  MFCQ.subscribe(state.office, {
    after: () => state.lastEvent, onLink: setLive, onResync: poll, onEvent: (msg) => receive([msg]),
  });
}

function receive(events) {
  const fresh = events.filter((e) => e.id > state.lastEvent);
  if (!fresh.length) return;
  state.lastEvent = fresh[fresh.length - 1].id;
  for (const e of fresh) {
    if (e.type === "case.scanned" && state.window && e.payload.window === state.window.number && e.payload.registration_numbers.length) {
      $("scan").value = e.payload.registration_numbers[0]; lookup({number: e.payload.registration_numbers[0]});
    }
  }
  refreshSoon();
}

// Bursts of events (a call writes several) make one refresh, never two at once.
const refreshSoon = MFCQ.coalesce(refresh);

function schedulePoll() {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(poll, socketUp ? SLOW_POLL_MS : FAST_POLL_MS);
}

function listWindows(windows) {
  show("windows", true); show("work", false);
  $("window-list").replaceChildren(...windows.filter((w) => w.active).map((w) => {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.textContent = `Окно ${w.number}` + (w.clerk ? ` (занято: ${w.clerk})` : "") + ` — ${w.services.map((s) => s.service).join(", ")}`;
    b.dataset.window = w.number;
    b.disabled = !!w.clerk;
    b.addEventListener("click", async () => {
      try { enterWindow(await api("POST", `/offices/${state.office}/windows/${w.number}/take`)); }
      catch (e) { $("windows-error").textContent = e.message; }
    });
    li.append(b); return li;
  }));
}

function enterWindow(w) {
  state.window = w;
  show("windows", false); show("work", true);
  $("window-title").textContent = `Окно ${w.number}`;
  const sel = $("redirect-service");
  sel.replaceChildren(...Object.values(state.services).map((s) => new Option(s.name_ru, s.code)));
  refresh();
}

// --- the queue and the current ticket ---------------------------------------------------
async function refresh() {
  if (!state.window) return;
  const n = state.window.number;
  const [windows, queue] = await Promise.all([
    api("GET", `/offices/${state.office}/windows`), api("GET", `/offices/${state.office}/queue`)]);
  state.offset = new Date(queue.at).getTime() - Date.now();
  state.window = windows.find((w) => w.number === n);
  if (!state.window || state.window.clerk !== state.me.name) { state.window = null; listWindows(windows); return; }
  const mine = new Set(state.window.services.map((s) => s.service));
  $("queues").replaceChildren(...queue.services.filter((s) => mine.has(s.service)).map((s) => {
    const div = document.createElement("div"); div.className = "queue";
    const h = document.createElement("h3");
    h.textContent = `${s.name_ru} (${s.prefix}) — ждут ${s.waiting}, лимит ${s.wait_limit_minutes} мин`;
    const ul = document.createElement("ul");
    ul.append(...s.tickets.map((t) => {
      const li = document.createElement("li");
      li.className = `state-${t.state}`; li.dataset.number = t.number;
      li.textContent = `${t.number} · ${mmss(t.wait_seconds)}`;
      li.title = t.state === "breach" ? "Превышен лимит ожидания" : t.state === "warning" ? "Близко к лимиту" : "В пределах лимита";
      return li;
    }));
    div.append(h, ul); return div;
  }));
  $("pause-button").firstChild.textContent = state.window.paused ? "Продолжить " : "Пауза ";
  const cur = state.window.current_ticket;
  if (!cur) { state.current = null; $("current").textContent = state.window.paused ? `Пауза: ${state.window.pause_reason}` : "—"; }
  else if (!state.current || state.current.id !== cur.id || state.current.status !== cur.status) {
    state.current = await api("GET", `/tickets/${cur.id}`);
  }
  renderCurrent();
}

function renderCurrent() {
  const t = state.current;
  const kind = t ? state.services[t.service]?.kind : null;
  if (t) $("current").textContent = `${t.number} · ${t.service_name_ru} · ${({called: "вызван", serving: "на приёме"})[t.status] || t.status}`;
  show("timer", !!t);
  const intake = !!t && t.status === "serving" && kind === "intake";
  const issuance = !!t && t.status === "serving" && kind === "issuance";
  if (intake && $("intake").hidden) openIntake(t.service);
  if (!intake && !state.caseId) show("intake", false);
  if (issuance && $("issuance").hidden) { show("issuance", true); $("found").replaceChildren(); $("scan").focus(); }
  if (!issuance && !state.issuedCase) show("issuance", false);
}

function tick() {
  const t = state.current; if (!t) return;
  const since = new Date(t.started_at || t.called_at).getTime();
  const elapsed = Math.max(0, (serverNow() - since) / 1000);
  const norm = (state.services[t.service]?.service_norm_minutes || 0) * 60;
  $("timer").textContent = `${t.started_at ? "Приём" : "Ожидание подхода"}: ${mmss(elapsed)}` + (t.started_at ? ` из ${mmss(norm)} по норме` : "");
  $("timer").classList.toggle("over", !!t.started_at && elapsed > norm);
}

async function poll() {
  if (!state.office) return;
  try {
    const events = await api("GET", `/offices/${state.office}/events?after=${state.lastEvent}`);
    if (events.length) receive(events); else refreshSoon();
  } catch { /* the next poll tries again */ }
  schedulePoll();
}

const actions = {
  async call() { const n = state.window.number; await api("POST", `/offices/${state.office}/windows/${n}/call-next`); resetForms(); },
  async recall() { await api("POST", `/tickets/${state.current.id}/recall`); },
  async start() { await api("POST", `/tickets/${state.current.id}/start`); },
  async finish() { await api("POST", `/tickets/${state.current.id}/finish`); resetForms(); },
  async noshow() { await api("POST", `/tickets/${state.current.id}/no-show`); resetForms(); },
  async redirect() { await api("POST", `/tickets/${state.current.id}/redirect`, {service: $("redirect-service").value}); resetForms(); },
  async pause() {
    const n = state.window.number;
    if (state.window.paused) await api("POST", `/offices/${state.office}/windows/${n}/resume`);
    else await api("POST", `/offices/${state.office}/windows/${n}/pause`, {reason: $("pause-reason").value || "Перерыв"});
  },
  async release() { await api("POST", `/offices/${state.office}/windows/${state.window.number}/release`); },
  async print() {
    const id = state.issuedCase || state.caseId;
    const path = state.issuedCase ? `/cases/${id}/issuance-receipt/print` : `/cases/${id}/receipt/print`;
    await api("POST", path); $("action-error").textContent = "Расписка отправлена на печать";
  },
  async pdf() {
    const id = state.issuedCase || state.caseId;
    const blob = await api("GET", state.issuedCase ? `/cases/${id}/issuance-receipt.pdf` : `/cases/${id}/receipt.pdf`);
    window.open(URL.createObjectURL(blob), "_blank");
  },
};
function resetForms() { state.caseId = null; state.issuedCase = null; state.current = null; show("intake", false); show("issuance", false); }
async function act(name) {
  clear("action-error", "intake-error", "issuance-error");
  try { await actions[name](); } catch (e) { $("action-error").textContent = e.message; }
  await refresh().catch(() => {});
}
document.querySelectorAll("[data-action]").forEach((b) => b.addEventListener("click", () => act(b.dataset.action)));

const KEYS = {KeyN: "call", KeyR: "recall", KeyS: "start", KeyF: "finish", KeyX: "noshow", KeyD: "redirect",
  KeyP: "pause", KeyL: "release", KeyO: "print"};
document.addEventListener("keydown", (ev) => {
  if (!ev.altKey || !state.window) return;
  if (KEYS[ev.code]) { ev.preventDefault(); act(KEYS[ev.code]); }
  else if (ev.code === "KeyI") { ev.preventDefault(); $("applicant-name").focus(); }
  else if (ev.code === "KeyV") { ev.preventDefault(); $("scan").focus(); }
  else if (ev.code === "Enter" && !$("intake").hidden) { ev.preventDefault(); $("intake-form").requestSubmit(); }
});

// --- intake -----------------------------------------------------------------------------
async function openIntake(service) {
  state.caseId = null;
  show("intake", true); show("intake-form", true); show("intake-result", false);
  $("intake-form").reset(); clear("intake-error");
  const form = await api("GET", `/services/${service}/intake-form`);
  state.form = form;
  $("agency").value = form.agency_name || "";
  $("variant").replaceChildren(...(form.variants.length ? form.variants : [{code: "", name_ru: "—", term_working_days: form.term_working_days}])
    .map((v) => new Option(`${v.name_ru}` + (v.term_working_days ? ` (${v.term_working_days} раб. дн.)` : ""), v.code)));
  $("variant").onchange = renderChecklist;
  renderChecklist();
  $("applicant-name").focus();
}
function renderChecklist() {
  const variant = $("variant").value || null;
  const docs = state.form.documents.filter((d) => d.variant === null || d.variant === variant);
  $("checklist").tBodies[0].replaceChildren(...docs.map((d) => {
    const tr = document.createElement("tr"); tr.dataset.id = d.id;
    tr.innerHTML = `<td><input type="checkbox" class="got"></td><td></td>
      <td><select class="kind"><option value="original">оригинал</option><option value="copy">копия</option></select></td>
      <td><input type="number" class="sheets" min="1" value="1" size="4"></td>
      <td><input type="number" class="copies" min="1" value="1" size="3"></td>`;
    tr.cells[1].textContent = d.name_ru + (d.required ? " *" : "");
    tr.querySelector(".kind").value = d.needs_original ? "original" : "copy";
    return tr;
  }));
}
$("has-representative").addEventListener("change", (ev) => document.querySelectorAll(".rep").forEach((el) => { el.hidden = !ev.target.checked; }));
$("intake-form").addEventListener("submit", async (ev) => {
  ev.preventDefault(); clear("intake-error");
  const documents = [...$("checklist").tBodies[0].rows].filter((r) => r.querySelector(".got").checked).map((r) => ({
    service_document_id: Number(r.dataset.id), original: r.querySelector(".kind").value === "original",
    sheets: Number(r.querySelector(".sheets").value), copies: Number(r.querySelector(".copies").value)}));
  const body = {
    ticket_id: state.current?.id ?? null, variant: $("variant").value || null,
    applicant: {name: $("applicant-name").value, document_type: $("applicant-doc-type").value, document_number: $("applicant-doc-number").value},
    representative: $("has-representative").checked ? {name: $("rep-name").value, authority_document: $("rep-authority").value} : null,
    documents, consent_personal_data: $("consent").checked, delivery: $("delivery").value,
    postal_address: $("postal-address").value || null,
  };
  try {
    const c = await api("POST", `/offices/${state.office}/cases`, body);
    state.caseId = c.id;
    $("reg-number").textContent = c.registration_number;
    $("reg-due").textContent = c.due_date ? new Date(c.due_date).toLocaleDateString("ru-RU") : "—";
    show("intake-form", false); show("intake-result", true);
    $("receipt-preview").textContent = (await api("GET", `/cases/${c.id}/receipt`))[0];
  } catch (e) { $("intake-error").textContent = e.message; }
});

// --- issuance ---------------------------------------------------------------------------
const STATUS = {registered: "зарегистрировано", sent_to_agency: "в органе", result_received: "результат поступил",
  ready: "готово к выдаче", issued: "выдано", refused: "отказ от получения", stored: "на хранении", returned: "возвращено", archived: "в архиве"};
$("scan-form").addEventListener("submit", (ev) => { ev.preventDefault(); lookup({number: $("scan").value.trim()}); });
$("lost-form").addEventListener("submit", (ev) => { ev.preventDefault(); lookup({name: $("lost-name").value, document_number: $("lost-doc").value}); });
async function lookup(params) {
  clear("issuance-error"); show("issuance", true);
  try {
    const {cases} = await api("GET", `/offices/${state.office}/cases/lookup?${new URLSearchParams(params)}`);
    if (!cases.length) { $("issuance-error").textContent = "Дело не найдено"; $("found").replaceChildren(); return; }
    $("found").replaceChildren(...cases.map(caseCard));
  } catch (e) { $("issuance-error").textContent = e.message; }
}
function caseCard(c) {
  const div = document.createElement("div");
  const can = c.status === "ready" || c.status === "stored";
  div.className = "case" + (can ? " ready" : ""); div.dataset.case = c.id;
  const p = document.createElement("p");
  p.textContent = `№ ${c.registration_number} · ${c.service_name_ru} · ${c.applicant_name}, ${c.applicant_document_type} ${c.applicant_document_number} · ${STATUS[c.status] || c.status}`;
  div.append(p);
  if (c.status === "issued") {
    const w = document.createElement("p"); w.className = "error";
    w.textContent = `Уже выдано ${new Date(c.issuance.issued_at).toLocaleString("ru-RU")} (${c.issuance.clerk})`; div.append(w);
  } else if (!can) {
    const w = document.createElement("p"); w.className = "error"; w.textContent = "Результат ещё не готов к выдаче"; div.append(w);
  } else {
    const label = document.createElement("label");
    const check = document.createElement("input"); check.type = "checkbox"; check.className = "identity";
    label.append(check, " Личность получателя проверена");
    const b = document.createElement("button"); b.textContent = "Выдать"; b.className = "issue";
    b.addEventListener("click", async () => {
      clear("issuance-error");
      try {
        const done = await api("POST", `/cases/${c.id}/issue`, {ticket_id: state.current?.id ?? null, identity_checked: check.checked});
        state.issuedCase = done.id;
        div.replaceChildren(p);
        const ok = document.createElement("p"); ok.className = "issued";
        ok.textContent = `Выдано: ${done.registration_number}. Распечатайте расписку о выдаче для подписи.`;
        const pr = document.createElement("button"); pr.textContent = "Печать расписки о выдаче"; pr.dataset.action = "print";
        pr.addEventListener("click", () => act("print"));
        const pdf = document.createElement("button"); pdf.textContent = "PDF"; pdf.addEventListener("click", () => act("pdf"));
        div.append(ok, pr, pdf);
      } catch (e) { $("issuance-error").textContent = e.message; }
    });
    div.append(label, b);
  }
  return div;
}

if (MFCQ.token()) start(); else show("login", true);
