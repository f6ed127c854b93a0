// The clerk's workplace. Plain JS over the REST API (MFCQ, the pages' shared client); live
// updates come over the office's event WebSocket, with a slow poll of the outbox as the
// fallback (fast while it is down).
"use strict";
const $ = (id) => document.getElementById(id);
const state = {
  me: null, office: null, timezone: "Europe/Moscow", window: null, windows: [], clerks: [],
  services: {}, current: null, holds: [], expected: [], reasons: [], chosen: null,
  lastEvent: 0, offset: 0, caseId: null, issuedCase: null, channels: null,
};
const api = MFCQ.api;
// A refused token is already forgotten: the reload shows the login.
MFCQ.onUnauthorized(() => location.reload());
const show = (id, on) => { $(id).hidden = !on; };
const fail = (where) => (e) => { $(where).textContent = e.message; };
const clear = (...ids) => ids.forEach((id) => { $(id).textContent = ""; });
const mmss = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
const serviceName = (code) => state.services[code]?.name_ru || code;
// Times in the office's zone (the server sends it), never the zone of the clerk's machine.
const hhmm = (iso) => new Date(iso).toLocaleTimeString("ru-RU", {hour: "2-digit", minute: "2-digit", timeZone: state.timezone});
const dmyhm = (iso) => new Date(iso).toLocaleString("ru-RU", {dateStyle: "short", timeStyle: "short", timeZone: state.timezone});
// A calendar date ("2026-12-01") is no instant: read as one it would shift a day west of UTC.
const dmy = (day) => day.slice(0, 10).split("-").reverse().join(".");
const STATUS_WORDS = {called: "вызван", serving: "на приёме", postponed: "отложен", waiting: "в очереди"};
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
  state.timezone = (await api("GET", `/offices/${state.office}`)).timezone || state.timezone;
  state.reasons = await api("GET", "/clerk/call-reasons");
  $("choose-reason").replaceChildren(new Option("— выберите причину —", ""), ...state.reasons.map((r) => new Option(r.name_ru, r.code)));
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
  state.window = null; state.current = null;
  show("windows", true); show("work", false); $("window-title").textContent = "";
  updateButtons();
  $("window-list").replaceChildren(...windows.filter((w) => w.active).map((w) => {
    const li = document.createElement("li");
    const b = document.createElement("button");
    b.textContent = `Окно ${w.number}` + (w.clerk ? ` (занято: ${w.clerk})` : "") + ` — ${w.services.map((s) => serviceName(s.service)).join(", ")}`;
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
  const [windows, queue, holds, clerks, expected] = await Promise.all([
    api("GET", `/offices/${state.office}/windows`), api("GET", `/offices/${state.office}/queue`),
    api("GET", `/offices/${state.office}/holds`), api("GET", `/offices/${state.office}/clerks`),
    api("GET", `/offices/${state.office}/remote-tickets`)]);
  state.offset = new Date(queue.at).getTime() - Date.now();
  state.windows = windows; state.clerks = clerks; state.holds = holds; state.expected = expected;
  state.window = windows.find((w) => w.number === n);
  if (!state.window || state.window.clerk !== state.me.name) { listWindows(windows); return; }
  renderQueues(queue);
  renderHolds();
  renderExpected();
  renderTransferTargets();
  $("pause-button").firstChild.textContent = state.window.paused ? "Продолжить " : "Пауза ";
  const cur = state.window.current_ticket;
  if (!cur) { state.current = null; $("current").textContent = state.window.paused ? `Пауза: ${state.window.pause_reason}` : "—"; }
  else if (!state.current || state.current.id !== cur.id || state.current.status !== cur.status) {
    state.current = await api("GET", `/tickets/${cur.id}/card`);
  }
  renderCurrent();
}

function renderQueues(queue) {
  const mine = new Set(state.window.services.map((s) => s.service));
  $("queues").replaceChildren(...queue.services.filter((s) => mine.has(s.service)).map((s) => {
    const div = el("div", "queue");
    const h = el("h3", "", `${s.name_ru} (${s.prefix}) — ждут ${s.waiting}, лимит ${s.wait_limit_minutes} мин`);
    const ul = el("ul");
    ul.append(...s.tickets.map((t) => {
      const li = el("li", `state-${t.state}`, `${t.number} · ${mmss(t.wait_seconds)}`);
      li.dataset.number = t.number; li.dataset.ticket = t.id; li.tabIndex = 0; li.setAttribute("role", "button");
      if (t.priority_category) li.append(el("span", "mark", "льгота"));
      if (t.booked) li.append(el("span", "mark", "запись"));
      li.title = (t.state === "breach" ? "Превышен лимит ожидания" : t.state === "warning" ? "Близко к лимиту" : "В пределах лимита") + ". Нажмите, чтобы вызвать.";
      li.addEventListener("click", () => openChoose(t.id, t.number));
      li.addEventListener("keydown", (ev) => { if (ev.key === "Enter") openChoose(t.id, t.number); });
      return li;
    }));
    div.append(h, ul); return div;
  }));
}

function renderHolds() {
  show("holds-empty", !state.holds.length);
  $("holds").replaceChildren(...state.holds.map((h) => {
    const li = el("li"); li.dataset.number = h.number; li.dataset.ticket = h.id;
    li.append(el("strong", "", h.number), el("span", "", serviceName(h.service)),
      el("span", "", h.window ? `окно ${h.window}` : ""));
    const left = el("span", "left"); left.dataset.until = h.hold_until; li.append(left);
    const back = el("button", "return", "Вернуть в очередь");
    back.addEventListener("click", () => act("returnHeld", h.id));
    const callIt = el("button", "call-held", "Вызвать");
    callIt.addEventListener("click", () => openChoose(h.id, h.number, "returned"));
    li.append(back, callIt); return li;
  }));
  tickHolds();
}

// Places taken from the phone whose applicants have not come yet: «не прибыл» until the
// kiosk check-in or the clerk's «Прибыл»; the phone shown masked.
function renderExpected() {
  show("expected-empty", !state.expected.length);
  $("expected").replaceChildren(...state.expected.map((p) => {
    const li = el("li"); li.dataset.number = p.number; li.dataset.ticket = p.id;
    li.append(el("strong", "", p.number), el("span", "", serviceName(p.service)),
      el("span", "mark", "не прибыл"), el("span", "", `время ${hhmm(p.due_at)}, отметка до ${hhmm(p.checkin_until)}`),
      el("span", "", p.phone_masked));
    const came = el("button", "arrived", "Прибыл");
    came.addEventListener("click", () => act("arrived", p.id));
    li.append(came); return li;
  }));
}

function renderTransferTargets() {
  const sel = $("transfer-target"); const keep = sel.value;
  const windows = state.windows.filter((w) => w.active && w.number !== state.window.number).map((w) =>
    new Option(`Окно ${w.number}` + (w.clerk ? ` (${w.clerk})` : "") + ` — ${w.services.map((s) => serviceName(s.service)).join(", ")}`, `w:${w.number}`));
  const clerks = state.clerks.filter((c) => c.name !== state.me.name).map((c) =>
    new Option(`Специалист ${c.name}` + (c.window ? ` (окно ${c.window})` : " (не за окном)"), `c:${c.username}`));
  sel.replaceChildren(...windows, ...clerks);
  if ([...sel.options].some((o) => o.value === keep)) sel.value = keep;
}

function renderCurrent() {
  const t = state.current;
  const kind = t ? t.kind : null;
  if (t) $("current").textContent = `${t.number} · ${t.service_name_ru} · ${STATUS_WORDS[t.status] || t.status}`;
  show("timer", !!t);
  renderInfo(t);
  updateButtons();
  const intake = !!t && t.status === "serving" && kind === "intake";
  const issuance = !!t && t.status === "serving" && kind === "issuance";
  if (intake && $("intake").hidden) openIntake(t.service);
  if (!intake && !state.caseId) show("intake", false);
  if (issuance && $("issuance").hidden) { show("issuance", true); $("found").replaceChildren(); $("scan").focus(); }
  if (!issuance && !state.issuedCase) show("issuance", false);
  tick();
}

// What the clerk must know before serving: the category and its document, the booking,
// where a redirect or transfer came from, the wait against its limit.
function renderInfo(t) {
  const items = [];
  if (t && t.priority) {
    items.push(el("p", "priority", `Льготная категория: ${t.priority.name_ru}`));
    items.push(el("p", "proof", `Проверьте документ: ${t.priority.proof_ru || "подтверждающий право на льготу"}`));
  }
  if (t && t.booking) items.push(el("p", "booking", `Предварительная запись на ${hhmm(t.booking.slot_start)}`));
  if (t && t.came_from) {
    const c = t.came_from;
    const from = c.action === "transfer" ? "Передан" : `Перенаправлен из услуги «${c.service_name_ru}»`;
    items.push(el("p", "came", `${from}` + (c.window ? `, окно ${c.window}` : "") + (c.clerk ? ` (${c.clerk})` : "") + ` в ${hhmm(c.at)}`));
  }
  if (t) {
    const w = t.wait;
    const p = el("p", "wait" + (w.over ? " over" : ""), `Ожидание в очереди: ${mmss(w.waited_seconds)} при лимите ${w.limit_minutes} мин` + (w.over ? " — лимит превышен" : ""));
    items.push(p);
    if (t.postponed_times) items.push(el("p", "held", `Откладывался: ${t.postponed_times} раз(а)`));
  }
  $("ticket-info").replaceChildren(...items);
}

// Actions are enabled only when they can apply: a window is held, and the ticket's state allows them.
function updateButtons() {
  const t = state.current, w = state.window;
  const called = !!t && t.status === "called", serving = !!t && t.status === "serving";
  const enabled = {
    call: !!w && !t && !w.paused, recall: called, start: called, finish: serving, noshow: called,
    postpone: called || serving, transfer: called || serving, redirect: called || serving,
    pause: !!w, release: !!w && !t,
  };
  document.querySelectorAll("#current-panel [data-action]").forEach((b) => { b.disabled = !enabled[b.dataset.action]; });
  for (const id of ["postpone-minutes", "transfer-target", "redirect-service"]) $(id).disabled = !(called || serving);
  $("pause-reason").disabled = !w;
}

function tick() {
  tickHolds();
  const t = state.current; if (!t) return;
  const since = new Date(t.started_at || t.last_called_at || t.called_at).getTime();
  const elapsed = Math.max(0, (serverNow() - since) / 1000);
  const norm = (state.services[t.service]?.service_norm_minutes || 0) * 60;
  $("timer").textContent = `${t.started_at ? "Приём" : "Ожидание подхода"}: ${mmss(elapsed)}` + (t.started_at ? ` из ${mmss(norm)} по норме` : "");
  $("timer").classList.toggle("over", !!t.started_at && elapsed > norm);
}

function tickHolds() {
  document.querySelectorAll("#holds .left").forEach((e) => {
    const left = Math.max(0, (new Date(e.dataset.until).getTime() - serverNow()) / 1000);
    e.textContent = left > 0 ? `вернётся через ${mmss(left)}` : "возвращается в очередь";
  });
}

async function poll() {
  if (!state.office) return;
  try {
    const events = await api("GET", `/offices/${state.office}/events?after=${state.lastEvent}`);
    if (events.length) receive(events); else refreshSoon();
  } catch { /* the next poll tries again */ }
  schedulePoll();
}

// --- dialogs: "Не явился" confirmation, a chosen call with its reason ----------------------
function confirmNoShow() {
  const t = state.current; if (!t || t.status !== "called") return;
  $("noshow-text").textContent = `Талон ${t.number} будет закрыт как неявка. Заявителю придётся взять новый талон.`;
  $("noshow-dialog").showModal(); $("noshow-confirm").focus();
}
$("noshow-dialog").addEventListener("close", () => { if ($("noshow-dialog").returnValue === "yes") act("noshow"); });

function openChoose(id, number, reason) {
  if (!state.window) return;
  state.chosen = id;
  $("choose-number").textContent = number;
  $("choose-note").value = ""; clear("choose-error");
  $("choose-reason").value = reason || "";
  $("choose-dialog").showModal(); $("choose-reason").focus();
}
$("choose-form").addEventListener("submit", async (ev) => {
  if (ev.submitter && ev.submitter.value === "cancel") return;
  ev.preventDefault(); clear("choose-error");
  try {
    await api("POST", `/offices/${state.office}/windows/${state.window.number}/call-chosen`,
      {ticket_id: state.chosen, reason: $("choose-reason").value, note: $("choose-note").value});
  } catch (e) { $("choose-error").textContent = e.message; return; }
  $("choose-dialog").close("call"); resetForms(); clear("action-error");
  await refresh().catch(() => {});
});

const actions = {
  async call() { const n = state.window.number; await api("POST", `/offices/${state.office}/windows/${n}/call-next`); resetForms(); },
  async recall() { await api("POST", `/tickets/${state.current.id}/recall`); },
  async start() { await api("POST", `/tickets/${state.current.id}/start`); },
  async finish() { await api("POST", `/tickets/${state.current.id}/finish`); resetForms(); },
  async noshow() { await api("POST", `/tickets/${state.current.id}/no-show`); resetForms(); },
  async redirect() { await api("POST", `/tickets/${state.current.id}/redirect`, {service: $("redirect-service").value}); resetForms(); },
  async postpone() { await api("POST", `/tickets/${state.current.id}/postpone`, {minutes: Number($("postpone-minutes").value)}); resetForms(); },
  async transfer() {
    const [kind, target] = $("transfer-target").value.split(":");
    await api("POST", `/tickets/${state.current.id}/transfer`, kind === "w" ? {window: Number(target)} : {clerk: target});
    resetForms();
  },
  async returnHeld(id) { await api("POST", `/tickets/${id}/return`); },
  async arrived(id) { await api("POST", `/tickets/${id}/arrived`); },
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
async function act(name, arg) {
  clear("action-error", "intake-error", "issuance-error");
  try { await actions[name](arg); } catch (e) { $("action-error").textContent = e.message; }
  await refresh().catch(() => {});
}
document.querySelectorAll("[data-action]").forEach((b) => b.addEventListener("click", () => {
  if (b.dataset.action === "noshow") confirmNoShow(); else act(b.dataset.action);
}));

const KEYS = {KeyN: "call", KeyR: "recall", KeyS: "start", KeyF: "finish", KeyD: "redirect",
  KeyP: "pause", KeyL: "release", KeyO: "print", KeyH: "postpone", KeyT: "transfer"};
document.addEventListener("keydown", (ev) => {
  if (!ev.altKey || !state.window || document.querySelector("dialog[open]")) return;
  const button = KEYS[ev.code] && document.querySelector(`#current-panel [data-action="${KEYS[ev.code]}"]`);
  if (button && button.disabled) { ev.preventDefault(); return; }
  if (KEYS[ev.code]) { ev.preventDefault(); act(KEYS[ev.code]); }
  else if (ev.code === "KeyX") { ev.preventDefault(); confirmNoShow(); }
  else if (ev.code === "KeyI") { ev.preventDefault(); $("applicant-name").focus(); }
  else if (ev.code === "KeyV") { ev.preventDefault(); $("scan").focus(); }
  else if (ev.code === "Enter" && !$("intake").hidden) { ev.preventDefault(); $("intake-form").requestSubmit(); }
});

// --- intake -----------------------------------------------------------------------------
async function openIntake(service) {
  state.caseId = null;
  show("intake", true); show("intake-form", true); show("intake-result", false);
  $("intake-form").reset(); clear("intake-error"); show("notify-needs-consent", false);
  // The result notice is offered only by the channels the office sends by (asked each
  // time: a manager may switch one on or off during the day).
  const channels = await api("GET", `/offices/${state.office}/notification-channels`);
  state.channels = channels;
  show("notify-phone-field", channels.sms); show("notify-email-field", channels.email);
  show("notify-fields", channels.sms || channels.email);
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
    notify_phone: (state.channels?.sms && $("notify-phone").value.trim()) || null,
    notify_email: (state.channels?.email && $("notify-email").value.trim()) || null,
  };
  // A contact for the result notice is kept only with the applicant's own consent to it.
  const wantsNotice = !!(body.notify_phone || body.notify_email);
  const needsConsent = wantsNotice && !$("notify-consent").checked;
  show("notify-needs-consent", needsConsent);
  if (needsConsent) {
    $("intake-error").textContent = $("notify-needs-consent").textContent;
    $("notify-consent").focus();
    return;
  }
  try {
    const c = await api("POST", `/offices/${state.office}/cases`, body);
    state.caseId = c.id;
    $("reg-number").textContent = c.registration_number;
    $("reg-due").textContent = c.due_date ? dmy(c.due_date) : "—";
    show("notify-shown", false);
    if (wantsNotice) {
      const contacts = await api("GET", `/cases/${c.id}/notifications`);
      $("notify-masked").textContent = contacts.map((s) => s.address_masked).join(", ");
      show("notify-shown", contacts.length > 0);
    }
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
  div.className = "case" + (can ? " ready" : ""); div.dataset.case = c.id; div.dataset.status = c.status;
  const p = document.createElement("p"); p.className = "summary";
  const summary = (k) => `№ ${k.registration_number} · ${k.service_name_ru} · ${k.applicant_name}, ${k.applicant_document_type} ${k.applicant_document_number} · ${STATUS[k.status] || k.status}`;
  p.textContent = summary(c);
  div.append(p);
  if (c.status === "issued") {
    const w = document.createElement("p"); w.className = "error";
    w.textContent = `Уже выдано ${dmyhm(c.issuance.issued_at)} (${c.issuance.clerk})`; div.append(w);
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
        // The card now tells the truth: issued, no longer "ready to issue".
        p.textContent = summary(done);
        div.className = "case issued"; div.dataset.status = done.status;
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
