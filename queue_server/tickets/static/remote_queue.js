// The phone's queue form: the services the office opens to it with the wait of a place
// taken now; on success, the ticket's own page (it says when to come and calls you).
// Errors come back in the page's language (Russian), whatever the browser prefers.
"use strict";
const LANG = {"Accept-Language": document.documentElement.lang || "ru"};
const form = document.getElementById("form");
const office = form.dataset.office;
const $ = (id) => document.getElementById(id);
let services = [];

function showError(message) { const e = $("error"); e.textContent = message; e.hidden = !message; }

function showEstimate() {
  const s = services.find((x) => x.service === $("service").value);
  $("estimate").textContent = !s ? "" : s.no_open_window
    ? "Сейчас эту услугу не ведёт ни одно окно."
    : `Ожидание сейчас — около ${s.estimated_wait_minutes} мин.`;
}

async function load() {
  const r = await fetch(`/api/v1/public/offices/${office}/remote-queue`, {headers: LANG, cache: "no-store"});
  const info = await r.json();
  services = info.services;
  const closed = $("closed");
  if (!info.enabled || !services.length) {
    closed.textContent = "В этом МФЦ нельзя встать в очередь с телефона. Возьмите талон в терминале.";
    closed.hidden = false;
    return;
  }
  if (!info.open_now) {
    closed.textContent = "Сейчас МФЦ закрыт: встать в очередь можно в часы работы.";
    closed.hidden = false;
  }
  for (const s of services) {
    const o = document.createElement("option"); o.value = s.service; o.textContent = s.name_ru;
    $("service").append(o);
  }
  form.hidden = false;
  showEstimate();
}

$("service").addEventListener("change", showEstimate);
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  if (!$("phone").value.trim()) { showError("Укажите номер телефона."); return; }
  if (!$("consent").checked) { showError("Нужно согласие на обработку персональных данных."); return; }
  $("submit").disabled = true;
  try {
    const r = await fetch(`/api/v1/public/offices/${office}/remote-tickets`, {
      method: "POST", headers: {...LANG, "Content-Type": "application/json"},
      body: JSON.stringify({service: $("service").value, phone: $("phone").value, consent: true}),
    });
    const body = await r.json();
    if (!r.ok) { showError(body.error ? body.error.message : `Ошибка ${r.status}`); return; }
    location.assign(`/t/${encodeURIComponent(body.status_code)}`);
  } catch (e) {
    showError("Нет связи с сервером. Проверьте интернет и повторите.");
  } finally {
    $("submit").disabled = false;
  }
});
load();
