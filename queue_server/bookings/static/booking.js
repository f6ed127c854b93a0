// A booking's page: its details and QR, cancel and reschedule.
// Errors come back in the page's language (Russian), whatever the browser prefers.
const LANG = {"Accept-Language": document.documentElement.lang || "ru"};
const code = document.getElementById("card").dataset.code;
const $ = (id) => document.getElementById(id);
const words = {booked: "Записан", checked_in: "Отмечен в терминале", cancelled: "Отменена",
               no_show: "Не явился"};
let booking = null, chosen = null;
function showError(message) { const e = $("error"); e.textContent = message; e.hidden = !message; }

function render(b) {
  booking = b;
  $("code").textContent = b.code_display;
  $("qr").src = b.qr_url;
  const d = $("details"); d.innerHTML = "";
  const add = (k, v) => { const dt = document.createElement("dt"); dt.textContent = k;
    const dd = document.createElement("dd"); dd.textContent = v; d.append(dt, dd); };
  add("Офис", b.office_name + (b.office_address ? `, ${b.office_address}` : ""));
  add("Услуга", b.service_name_ru);
  add("Время", b.slot_local);
  add("Статус", words[b.status] || b.status);
  add("Заявитель", b.applicant_name);
  if (b.phone_masked) add("Телефон", b.phone_masked);
  $("actions").hidden = b.status !== "booked";
  if (!$("day").value) { const [d, m, y] = b.slot_local.slice(0, 10).split("."); $("day").value = `${y}-${m}-${d}`; }
}

async function load() {
  const r = await fetch(`/api/v1/public/bookings/${code}`, {headers: LANG});
  if (r.ok) { render(await r.json()); await loadSlots(); }
}

// Only the newest request may fill the list: an older answer arriving late (the default
// day's, say) would otherwise offer slots of a day the applicant no longer chose.
let slotsRequest = 0;
async function loadSlots() {
  const mine = ++slotsRequest;
  chosen = null; const box = $("slots"); box.innerHTML = ""; $("slots-note").textContent = "";
  if (!booking || booking.status !== "booked") return;
  const q = new URLSearchParams({service: booking.service, day: $("day").value});
  const r = await fetch(`/api/v1/public/offices/${booking.office}/slots?${q}`, {headers: LANG});
  const body = await r.json();
  if (mine !== slotsRequest) return;
  box.innerHTML = "";
  if (!r.ok) { $("slots-note").textContent = body.error.message; return; }
  const free = body.slots.filter((s) => s.free > 0 && s.start !== booking.slot_start);
  if (!free.length) { $("slots-note").textContent = body.is_open ? "Свободного времени нет." : body.reason; return; }
  for (const s of free) {
    const b = document.createElement("button"); b.type = "button"; b.className = "slot";
    b.textContent = s.local_time; b.setAttribute("role", "radio"); b.setAttribute("aria-checked", "false");
    b.addEventListener("click", () => { for (const o of box.children) o.setAttribute("aria-checked", "false");
      b.setAttribute("aria-checked", "true"); chosen = s.start; });
    box.append(b);
  }
}

async function post(path, body) {
  showError("");
  const r = await fetch(`/api/v1/public/bookings/${code}/${path}`, {method: "POST",
    headers: {...LANG, "Content-Type": "application/json"}, body: body ? JSON.stringify(body) : undefined});
  const data = await r.json();
  if (!r.ok) { showError(data.error.message); return; }
  render(data); await loadSlots();
}
$("day").addEventListener("change", loadSlots);
$("move").addEventListener("click", () => chosen ? post("reschedule", {slot_start: chosen}) : showError("Выберите время."));
$("cancel").addEventListener("click", () => { if (confirm("Отменить запись?")) post("cancel"); });
load();
