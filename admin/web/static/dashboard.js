"use strict";
const OFFICE = MFCQ.pageConfig().office;
const STATES = {free: "свободно", calling: "вызов", serving: "обслуживание", paused: "перерыв", closed: "закрыто"};
function render(d) {
  document.getElementById("office-name").textContent = d.office_name;
  const t = d.today;
  const share = t.within_share === null ? "—" : (100 * t.within_share).toFixed(1) + "%";
  document.getElementById("today").replaceChildren(
    MFCQ.el("span", {"data-figure": "issued"}, "Выдано: " + t.issued),
    MFCQ.el("span", {"data-figure": "served"}, "Обслужено: " + t.served),
    MFCQ.el("span", {"data-figure": "no_show"}, "Неявки: " + t.no_show),
    MFCQ.el("span", {"data-figure": "within"}, "В пределах норматива: " + share));
  document.querySelector("#queues tbody").replaceChildren(...d.queues.map(q =>
    MFCQ.el("tr", {"data-service": q.service, "data-light": q.light, "class": "light-" + q.light},
      MFCQ.el("td", {}, q.name), MFCQ.el("td", {}, String(q.waiting)),
      MFCQ.el("td", {}, ADMIN.mmss(q.longest_wait_s)), MFCQ.el("td", {}, ADMIN.mmss(q.limit_s)))));
  document.querySelector("#windows tbody").replaceChildren(...d.windows.map(w =>
    MFCQ.el("tr", {"data-window": String(w.number), "data-state": w.state,
                   "class": w.light ? "light-" + w.light : ""},
      MFCQ.el("td", {}, String(w.number)),
      MFCQ.el("td", {}, STATES[w.state] + (w.pause_reason ? " (" + w.pause_reason + ")" : "")),
      MFCQ.el("td", {}, w.clerk || "—"), MFCQ.el("td", {}, w.ticket || "—"),
      MFCQ.el("td", {}, ADMIN.mmss(w.timer_s)), MFCQ.el("td", {}, ADMIN.mmss(w.norm_s)))));
  document.getElementById("alerts").replaceChildren(...d.alerts.map(a =>
    MFCQ.el("li", {"class": "alert-" + a.level, "data-kind": a.kind}, a.text)));
}
// Live: the office's events arrive over the WebSocket and each burst reloads the
// dashboard once. The poll is a fallback: slow while the socket is up (timers and lights
// that move with no event), fast while it is down. ?poll=N sets the slow one (s).
const SLOW_POLL_MS = 1000 * (Number(new URLSearchParams(location.search).get("poll")) || 15);
const FAST_POLL_MS = 2000;
let live = false, pollTimer = null;
async function refresh() {
  try {
    render(await MFCQ.api("GET", "/offices/" + encodeURIComponent(OFFICE) + "/dashboard"));
    document.getElementById("error").textContent = "";
  } catch (err) { document.getElementById("error").textContent = err.message; }
  schedulePoll();
}
const refreshSoon = MFCQ.coalesce(refresh, 150);
function schedulePoll() {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(refreshSoon, live ? SLOW_POLL_MS : FAST_POLL_MS);
}
function setLink(up) {
  live = up;
  const link = document.getElementById("link");
  link.dataset.live = String(up);
  link.textContent = up ? "в реальном времени" : "нет связи — обновление каждые 2 с";
  if (up) refreshSoon(); else schedulePoll();
}
if (ADMIN.requireLogin()) {
  refreshSoon();
  MFCQ.subscribe(OFFICE, {onEvent: refreshSoon, onLink: setLink});
}
