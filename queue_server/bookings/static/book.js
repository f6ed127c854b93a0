// The booking form: service, date, a free slot, name and phone; then the code and its QR.
// Errors come back in the page's language (Russian), whatever the browser prefers.
const LANG = {"Accept-Language": document.documentElement.lang || "ru"};
const form = document.getElementById("form");
const office = form.dataset.office;
const $ = (id) => document.getElementById(id);
let chosen = null;

function showError(message) { const e = $("error"); e.textContent = message; e.hidden = !message; }

async function loadOffice() {
  const r = await fetch(`/api/v1/public/offices/${office}/booking`, {headers: LANG});
  const info = await r.json();
  for (const s of info.services) {
    const o = document.createElement("option"); o.value = s.service; o.textContent = s.name_ru;
    $("service").append(o);
  }
  $("day").min = info.today;
  const last = new Date(info.today); last.setDate(last.getDate() + info.horizon_days);
  $("day").max = last.toISOString().slice(0, 10);
  $("day").value = info.today;
  await loadSlots();
}

// Only the newest request may fill the list: an older answer arriving late (the default
// day's, say) would otherwise offer slots of a day the applicant no longer chose.
let slotsRequest = 0;
async function loadSlots() {
  const mine = ++slotsRequest;
  chosen = null;
  const box = $("slots"); box.innerHTML = ""; $("slots-note").textContent = "";
  if (!$("service").value || !$("day").value) return;
  const q = new URLSearchParams({service: $("service").value, day: $("day").value});
  const r = await fetch(`/api/v1/public/offices/${office}/slots?${q}`, {headers: LANG});
  const body = await r.json();
  if (mine !== slotsRequest) return;
  box.innerHTML = "";
  if (!r.ok) { $("slots-note").textContent = body.error.message; return; }
  if (!body.is_open) { $("slots-note").textContent = `Нет записи на эту дату (${body.reason}).`; return; }
  const free = body.slots.filter((s) => s.free > 0);
  if (!free.length) { $("slots-note").textContent = "Свободного времени нет. No free slots."; return; }
  for (const s of free) {
    const b = document.createElement("button");
    b.type = "button"; b.className = "slot"; b.textContent = s.local_time;
    b.setAttribute("role", "radio"); b.setAttribute("aria-checked", "false");
    b.dataset.start = s.start;
    b.addEventListener("click", () => {
      for (const other of box.children) other.setAttribute("aria-checked", "false");
      b.setAttribute("aria-checked", "true"); chosen = s.start;
    });
    box.append(b);
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault(); showError("");
  if (!chosen) { showError("Выберите время. Choose a time."); return; }
  $("submit").disabled = true;
  try {
    const r = await fetch(`/api/v1/public/offices/${office}/bookings`, {
      method: "POST", headers: {...LANG, "Content-Type": "application/json"},
      body: JSON.stringify({service: $("service").value, slot_start: chosen,
        applicant_name: $("name").value, phone: $("phone").value, email: $("email").value}),
    });
    const body = await r.json();
    if (!r.ok) { showError(body.error.message); await loadSlots(); return; }
    form.hidden = true; $("done").hidden = false;
    $("code").textContent = body.code_display;
    $("qr").src = body.qr_url;
    $("summary").textContent = `${body.service_name_ru}, ${body.slot_local}`;
    $("manage").href = `/b/${body.code}`;
  } finally { $("submit").disabled = false; }
});
$("service").addEventListener("change", loadSlots);
$("day").addEventListener("change", loadSlots);
loadOffice();
