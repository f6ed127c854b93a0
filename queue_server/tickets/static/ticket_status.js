// The public status page of a ticket: polls the public status API every 5 s, and when the
// ticket is called it vibrates, plays a chime and shows a browser notification (the
// permission is asked only when the applicant presses the button, in Russian).
"use strict";
const card = document.getElementById("card");
const code = card.dataset.code;
const lang = card.dataset.lang;
const T = {
  ru: {status: "Статус", ahead: "Перед вами", position: "Ваше место в очереди", wait: "Ожидание",
       min: "мин", window: "Окно", noWindow: "Сейчас нет открытых окон для этой услуги", go: (w) => `Вас вызывают! Пройдите к окну ${w}`,
       serving: (w) => `Вас обслуживают в окне ${w}`, updated: "Обновлено", offline: "Нет связи, пробуем снова…",
       title: (n) => `Талон ${n}`, calledTitle: (n, w) => `${n} → окно ${w}`,
       words: {waiting: "Ожидает вызова", called: "Вызван", serving: "Обслуживается", done: "Обслужен",
               no_show: "Не явился", cancelled: "Отменён", postponed: "Отложен", expected: "Не прибыл"},
       final: {done: "Обслуживание завершено. Спасибо!", no_show: "Талон снят: вы не подошли по вызову. Возьмите новый талон в терминале.",
               cancelled: "Талон отменён."},
       lapsed: "Место в очереди снято: вы не отметились вовремя. Возьмите новый талон в терминале.",
       checkin: "Вы в очереди, но вас не вызовут, пока вы не отметитесь: введите этот код в терминале МФЦ (кнопка «Код записи») или покажите страницу администратору.",
       comeAt: "Приходите к", checkinUntil: "Отметиться до", waitIfNow: "Если отметиться сейчас",
       notifyOn: "Оповещение включено: когда вас вызовут, телефон подаст сигнал и покажет уведомление. Не закрывайте эту страницу.",
       notifyDenied: "Уведомления запрещены в настройках браузера. Держите страницу открытой: при вызове прозвучит сигнал и телефон завибрирует.",
       notifyUnsupported: "Этот браузер не показывает уведомления. Держите страницу открытой: при вызове прозвучит сигнал.",
       notifyTitle: (n, w) => `Талон ${n}: вас вызывают к окну ${w}`, notifyBody: "Пройдите к окну."},
  en: {status: "Status", ahead: "People ahead of you", position: "Your place in the queue", wait: "Estimated wait",
       min: "min", window: "Window", noWindow: "No window is serving this service right now", go: (w) => `You are called! Please go to window ${w}`,
       serving: (w) => `You are being served at window ${w}`, updated: "Updated", offline: "No connection, trying again…",
       title: (n) => `Ticket ${n}`, calledTitle: (n, w) => `${n} → window ${w}`,
       words: {waiting: "Waiting", called: "Called", serving: "Being served", done: "Served",
               no_show: "Did not come", cancelled: "Cancelled", postponed: "Postponed", expected: "Not arrived yet"},
       final: {done: "Service finished. Thank you!", no_show: "The ticket was dropped: you did not come when called. Take a new ticket at the kiosk.",
               cancelled: "The ticket was cancelled."},
       lapsed: "Your queue place was dropped: you did not check in in time. Take a new ticket at the kiosk.",
       checkin: "You hold a place, but you will not be called until you check in: enter this code at the kiosk (the “Booking code” button) or show this page at the desk.",
       comeAt: "Come by", checkinUntil: "Check in before", waitIfNow: "If you check in now",
       notifyOn: "The alert is on: when you are called, the phone will sound and show a notification. Keep this page open.",
       notifyDenied: "Notifications are blocked in the browser's settings. Keep this page open: a chime and vibration will tell you when you are called.",
       notifyUnsupported: "This browser shows no notifications. Keep this page open: a chime will tell you when you are called.",
       notifyTitle: (n, w) => `Ticket ${n}: you are called to window ${w}`, notifyBody: "Please go to the window."},
}[lang];
const FINAL = new Set(["done", "no_show", "cancelled"]);
let timer = null;
let lastStatus = null;
let audio = null;

function row(dl, key, value, id) {
  const dt = document.createElement("dt"); dt.textContent = key;
  const dd = document.createElement("dd"); dd.textContent = value; dd.id = id;
  dl.append(dt, dd);
}

function clock(iso, zone) {
  return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "ru-RU", {
    hour: "2-digit", minute: "2-digit", timeZone: zone,
  }).format(new Date(iso));
}

// --- the call alert: vibration, a chime, a notification --------------------------------

function notificationsSupported() { return "Notification" in window; }

function showAlertState() {
  const state = document.getElementById("call-alert-state");
  const button = document.getElementById("call-alert");
  if (!notificationsSupported()) {
    state.textContent = audio ? T.notifyOn : T.notifyUnsupported;
    button.hidden = audio !== null;
    return;
  }
  const permission = Notification.permission;
  button.hidden = permission === "granted" && audio !== null;
  state.textContent = permission === "granted" ? T.notifyOn : permission === "denied" ? T.notifyDenied : "";
}

// A browser lets a page make sound only after a tap: the button's tap unlocks it.
function unlockSound() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  if (audio === null) audio = new Context();
  if (audio.state === "suspended") audio.resume();
}

function chime() {
  if (audio === null) return;
  const start = audio.currentTime;
  [880, 660, 880].forEach((hz, i) => {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = hz;
    gain.gain.setValueAtTime(0.25, start + i * 0.35);
    gain.gain.exponentialRampToValueAtTime(0.001, start + i * 0.35 + 0.3);
    tone.connect(gain).connect(audio.destination);
    tone.start(start + i * 0.35);
    tone.stop(start + i * 0.35 + 0.3);
  });
}

function notify(t) {
  if (!notificationsSupported() || Notification.permission !== "granted") return;
  const options = {body: T.notifyBody, tag: `ticket-${code}`, requireInteraction: true};
  try {
    new Notification(T.notifyTitle(t.number, t.window), options);
  } catch (e) {
    // Android's Chrome allows notifications only through a service worker.
    if (navigator.serviceWorker) {
      navigator.serviceWorker.getRegistration().then((reg) => {
        if (reg) reg.showNotification(T.notifyTitle(t.number, t.window), options);
      });
    }
  }
}

function alertCalled(t) {
  if (navigator.vibrate) navigator.vibrate([300, 150, 300, 150, 300]);
  chime();
  notify(t);
}

document.getElementById("call-alert").addEventListener("click", async () => {
  unlockSound();
  if (notificationsSupported() && Notification.permission === "default") {
    await Notification.requestPermission();
  }
  showAlertState();
});

// A place taken from the phone can be given up; the second button confirms.
document.getElementById("give-up").addEventListener("click", () => {
  document.getElementById("give-up").hidden = true;
  document.getElementById("give-up-confirm").hidden = false;
});
document.getElementById("give-up-confirm").addEventListener("click", async () => {
  const r = await fetch(`/api/v1/tickets/status/${encodeURIComponent(code)}/give-up`, {
    method: "POST", headers: {"Accept-Language": lang}, cache: "no-store",
  });
  const body = await r.json();
  if (r.ok) show(body);
  else { const offline = document.getElementById("offline"); offline.hidden = false; offline.textContent = body.error.message; }
});

// --- the status --------------------------------------------------------------------------

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
    if (lastStatus !== "called") alertCalled(t);
  } else if (t.status === "serving" && t.window !== null) {
    notice.hidden = false; notice.classList.add("called"); notice.textContent = T.serving(t.window);
    document.title = T.title(t.number);
  } else if (FINAL.has(t.status)) {
    notice.hidden = false; notice.classList.add("final");
    notice.textContent = t.remote && t.status === "no_show" && lastStatus === "expected" ? T.lapsed : T.final[t.status];
    document.title = T.title(t.number);
  } else {
    document.title = T.title(t.number);
  }
  const expected = t.status === "expected";
  document.getElementById("checkin").hidden = !expected;
  if (!expected) { document.getElementById("give-up").hidden = false; document.getElementById("give-up-confirm").hidden = true; }
  if (expected) {
    document.getElementById("checkin-text").textContent = T.checkin;
    document.getElementById("checkin-code").textContent = t.checkin_code;
  }
  document.getElementById("alerts").hidden = FINAL.has(t.status);
  const dl = document.getElementById("details");
  dl.replaceChildren();
  row(dl, T.status, T.words[t.status] || t.status, "status");
  if (expected && t.come_at) row(dl, T.comeAt, clock(t.come_at, t.office_timezone), "come-at");
  if (expected && t.checkin_until) row(dl, T.checkinUntil, clock(t.checkin_until, t.office_timezone), "checkin-until");
  if (t.position !== null) row(dl, T.position, String(t.position), "position");
  if (t.people_ahead !== null) row(dl, T.ahead, String(t.people_ahead), "ahead");
  // The server's estimate, recomputed on every poll from the office's live state; for a
  // place not checked in yet, the wait if the applicant checked in now.
  const waitLabel = expected ? T.waitIfNow : T.wait;
  if (t.estimated_wait_minutes !== null) row(dl, waitLabel, `≈ ${t.estimated_wait_minutes} ${T.min}`, "wait");
  else if (t.no_open_window) row(dl, waitLabel, T.noWindow, "wait");
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
    const now = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "ru-RU", {
      hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: t.office_timezone,
    }).format(new Date());  // the office's time, wherever the phone is
    document.getElementById("updated").textContent = `${T.updated}: ${now}`;
    if (FINAL.has(t.status) && timer !== null) { clearInterval(timer); timer = null; }
  } catch (e) {
    offline.hidden = false; offline.textContent = T.offline;
  }
}
showAlertState();
refresh();
timer = setInterval(refresh, 5000);
