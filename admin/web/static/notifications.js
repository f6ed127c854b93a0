// The office's notification settings (channels, thresholds, texts) and the sending report.
// Passwords and tokens are never sent back by the server: a blank field keeps them.
"use strict";
const CONFIG = MFCQ.pageConfig();
const OFFICE = CONFIG.office;
const {el} = MFCQ;
const O = "/offices/" + encodeURIComponent(OFFICE);
const form = document.getElementById("settings");
const SECRETS = {"sms.password": "password_set", "telegram.token": "token_set", "email.password": "password_set"};
const CHANNELS = {sms: "СМС", telegram: "Телеграм", email: "эл. почта"};
const STATES = {sent: "отправлено", pending: "ожидает", failed: "не доставлено", expired: "устарело", skipped: "пропущено"};
let zone = "Europe/Moscow";

const field = (name) => form.elements.namedItem(name);
const lines = (pairs) => Object.entries(pairs || {}).map(([k, v]) => k + "=" + v).join("\n");

function pairs(name, label) {
  const out = {};
  for (const raw of field(name).value.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    const at = line.indexOf("=");
    if (at <= 0) throw new Error(label + ": строка «" + line + "» должна иметь вид имя=значение.");
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

function fill(s) {
  for (const channel of ["sms", "telegram", "email"]) {
    for (const [key, value] of Object.entries(s[channel])) {
      const input = field(channel + "." + key);
      if (!input || key === "params" || key === "headers") continue;
      if (input.type === "checkbox") input.checked = !!value; else input.value = value;
    }
  }
  field("sms.params").value = lines(s.sms.params);
  field("sms.headers").value = lines(s.sms.headers);
  for (const [name, flag] of Object.entries(SECRETS)) {
    const channel = name.split(".")[0];
    field(name).value = "";
    const set = !!s[channel][flag];
    field(name).placeholder = set ? "задан (не показывается)" : "";
    document.querySelector(`[data-secret="${name}"]`).textContent =
      set ? "Сохранён. Оставьте пустым, чтобы не менять." : "Не задан.";
  }
  for (const name of ["near_people_ahead", "near_minutes", "return_warning_days", "per_recipient_per_hour"]) {
    field(name).value = s[name];
  }
  for (const box of document.querySelectorAll(".template")) {
    const kind = box.dataset.kind;
    const text = box.querySelector("textarea");
    text.value = s.templates[kind] || "";
    text.placeholder = s.defaults[kind] || "";
    box.querySelector(".placeholders").textContent = (s.placeholders[kind] || []).map((p) => "{" + p + "}").join(", ");
    box.querySelector(".default").textContent = s.defaults[kind] || "";
  }
}

function channelBody(channel, keys) {
  const out = {};
  for (const key of keys) {
    const input = field(channel + "." + key);
    if (input.type === "checkbox") out[key] = input.checked;
    else if (input.type === "number") out[key] = Number(input.value);
    else out[key] = input.value.trim();
  }
  return out;
}

function body() {
  const sms = channelBody("sms", ["enabled", "url", "method", "body", "login", "password", "sender",
    "success_contains", "timeout_seconds"]);
  sms.params = pairs("sms.params", "Параметры запроса");
  sms.headers = pairs("sms.headers", "Дополнительные заголовки");
  const templates = {};
  for (const box of document.querySelectorAll(".template")) {
    const text = box.querySelector("textarea").value.trim();
    if (text) templates[box.dataset.kind] = text;
  }
  return {
    sms,
    telegram: channelBody("telegram", ["enabled", "base_url", "token", "bot_username", "timeout_seconds"]),
    email: channelBody("email", ["enabled", "host", "port", "security", "username", "password", "sender",
      "timeout_seconds"]),
    near_people_ahead: Number(field("near_people_ahead").value),
    near_minutes: Number(field("near_minutes").value),
    return_warning_days: Number(field("return_warning_days").value),
    per_recipient_per_hour: Number(field("per_recipient_per_hour").value),
    templates,
  };
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const saved = document.getElementById("saved"), error = document.getElementById("save-error");
  saved.textContent = ""; error.textContent = "";
  try {
    fill(await MFCQ.api("PUT", O + "/notification-settings", body()));
    saved.textContent = "Сохранено: следующие сообщения пойдут с этими настройками.";
  } catch (err) { error.textContent = err.message; }
});

const when = (iso) => iso ? new Date(iso).toLocaleString("ru-RU", {timeZone: zone}) : "—";
// Midnight of a date in the office's zone, as an instant (the report's period is the
// office's days, whatever the manager's computer says).
function dayStart(value) {
  const utc = new Date(value + "T00:00:00Z");
  const inZone = new Date(utc.toLocaleString("en-US", {timeZone: zone}));
  const inUtc = new Date(utc.toLocaleString("en-US", {timeZone: "UTC"}));
  return new Date(utc.getTime() - (inZone - inUtc));
}

async function report() {
  const error = document.getElementById("report-error");
  error.textContent = "";
  const query = new URLSearchParams();
  const since = document.querySelector("#report-form [name=since]").value;
  const until = document.querySelector("#report-form [name=until]").value;
  if (since) query.set("since", dayStart(since).toISOString());
  if (until) {
    const next = new Date(until + "T00:00:00Z");
    next.setUTCDate(next.getUTCDate() + 1);
    query.set("until", dayStart(next.toISOString().slice(0, 10)).toISOString());
  }
  try {
    const r = await MFCQ.api("GET", O + "/notifications/report?" + query);
    document.getElementById("report-period").textContent = "С " + when(r.since) + " по " + when(r.until);
    const rows = r.summary.map((k) => el("tr", {"data-kind": k.kind, "data-channel": k.channel},
      el("td", {}, k.kind_name), el("td", {}, CHANNELS[k.channel] || k.channel),
      ...[k.sent, k.pending, k.failed, k.expired, k.skipped, k.attempts].map((n) => el("td", {}, String(n)))));
    if (!rows.length) rows.push(el("tr", {}, el("td", {colspan: "8"}, "За этот период сообщений не было.")));
    document.querySelector("#summary tbody").replaceChildren(...rows);
    const names = CONFIG.kinds;
    document.querySelector("#recent tbody").replaceChildren(...r.recent.map((m) => el("tr", {"data-message": String(m.id)},
      el("td", {}, when(m.created_at)), el("td", {}, names[m.kind] || m.kind), el("td", {}, CHANNELS[m.channel] || m.channel),
      el("td", {}, m.address_masked), el("td", {"data-status": m.status}, STATES[m.status] || m.status),
      el("td", {}, String(m.attempts)), el("td", {}, m.last_error || ""))));
  } catch (err) { error.textContent = err.message; }
}
document.getElementById("report-form").addEventListener("submit", (event) => { event.preventDefault(); report(); });

async function load() {
  try {
    const office = await MFCQ.api("GET", O);
    zone = office.timezone || zone;
    document.getElementById("office-name").textContent = office.name;
    fill(await MFCQ.api("GET", O + "/notification-settings"));
    form.dataset.loaded = "true";
    await report();
  } catch (err) { document.getElementById("error").textContent = err.message; }
}
if (ADMIN.requireLogin()) load();
