// The public status page of a ticket: polls the public status API every 5 s.
"use strict";
const card = document.getElementById("card");
const code = card.dataset.code;
const lang = card.dataset.lang;
const T = {
  ru: {status: "Статус", ahead: "Перед вами", position: "Ваше место в очереди", wait: "Ожидание",
       min: "мин", window: "Окно", go: (w) => `Вас вызывают! Пройдите к окну ${w}`,
       serving: (w) => `Вас обслуживают в окне ${w}`, updated: "Обновлено", offline: "Нет связи, пробуем снова…",
       title: (n) => `Талон ${n}`, calledTitle: (n, w) => `${n} → окно ${w}`,
       words: {waiting: "Ожидает вызова", called: "Вызван", serving: "Обслуживается", done: "Обслужен",
               no_show: "Не явился", cancelled: "Отменён"},
       final: {done: "Обслуживание завершено. Спасибо!", no_show: "Талон снят: вы не подошли по вызову. Возьмите новый талон в терминале.",
               cancelled: "Талон отменён."}},
  en: {status: "Status", ahead: "People ahead of you", position: "Your place in the queue", wait: "Estimated wait",
       min: "min", window: "Window", go: (w) => `You are called! Please go to window ${w}`,
       serving: (w) => `You are being served at window ${w}`, updated: "Updated", offline: "No connection, trying again…",
       title: (n) => `Ticket ${n}`, calledTitle: (n, w) => `${n} → window ${w}`,
       words: {waiting: "Waiting", called: "Called", serving: "Being served", done: "Served",
               no_show: "Did not come", cancelled: "Cancelled"},
       final: {done: "Service finished. Thank you!", no_show: "The ticket was dropped: you did not come when called. Take a new ticket at the kiosk.",
               cancelled: "The ticket was cancelled."}},
}[lang];
const FINAL = new Set(["done", "no_show", "cancelled"]);
let timer = null;
let lastStatus = null;

function row(dl, key, value, id) {
  const dt = document.createElement("dt"); dt.textContent = key;
  const dd = document.createElement("dd"); dd.textContent = value; dd.id = id;
  dl.append(dt, dd);
}

function show(t) {
  document.getElementById("office").textContent = t.office_name;
  document.getElementById("number").textContent = t.number;
  document.getElementById("service").textContent = lang === "en" && t.service_name_en ? t.service_name_en : t.service_name_ru;
  const notice = document.getElementById("notice");
  notice.className = "notice";
  notice.hidden = true;
  if (t.status === "called" && t.window !== null) {
    notice.hidden = false; notice.classList.add("called"); notice.textContent = T.go(t.window);
    document.title = T.calledTitle(t.number, t.window);
    if (lastStatus !== "called" && navigator.vibrate) navigator.vibrate([300, 150, 300]);
  } else if (t.status === "serving" && t.window !== null) {
    notice.hidden = false; notice.classList.add("called"); notice.textContent = T.serving(t.window);
    document.title = T.title(t.number);
  } else if (FINAL.has(t.status)) {
    notice.hidden = false; notice.classList.add("final"); notice.textContent = T.final[t.status];
    document.title = T.title(t.number);
  } else {
    document.title = T.title(t.number);
  }
  const dl = document.getElementById("details");
  dl.replaceChildren();
  row(dl, T.status, T.words[t.status] || t.status, "status");
  if (t.position !== null) row(dl, T.position, String(t.position), "position");
  if (t.people_ahead !== null) row(dl, T.ahead, String(t.people_ahead), "ahead");
  if (t.estimated_wait_minutes !== null) row(dl, T.wait, `≈ ${t.estimated_wait_minutes} ${T.min}`, "wait");
  if (t.window !== null) row(dl, T.window, String(t.window), "window");
  lastStatus = t.status;
}

async function refresh() {
  const offline = document.getElementById("offline");
  try {
    const r = await fetch(`/api/v1/tickets/status/${encodeURIComponent(code)}`, {cache: "no-store"});
    if (!r.ok) throw new Error(String(r.status));
    const t = await r.json();
    show(t);
    offline.hidden = true;
    document.getElementById("updated").textContent = `${T.updated}: ${new Date().toLocaleTimeString(lang === "en" ? "en-GB" : "ru-RU")}`;
    if (FINAL.has(t.status) && timer !== null) { clearInterval(timer); timer = null; }
  } catch (e) {
    offline.hidden = false; offline.textContent = T.offline;
  }
}
refresh();
timer = setInterval(refresh, 5000);
