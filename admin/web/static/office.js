"use strict";
const OFFICE = MFCQ.pageConfig().office;
const {el} = MFCQ;
const O = "/offices/" + encodeURIComponent(OFFICE);
const DAYS = {mon: "Пн", tue: "Вт", wed: "Ср", thu: "Чт", fri: "Пт", sat: "Сб", sun: "Вс"};
const KINDS = {kiosk: "киоск", board: "табло", led: "LED"};
const WEEKDAY_NAMES = ["Вс", "Пн", "Вт", "Ср", "Чт", "Пт", "Сб"];
let office = null, services = [];

function say(id, text) { document.getElementById(id).textContent = text; }
async function attempt(errorId, okId, action) {
  say(errorId, ""); if (okId) say(okId, "");
  try { await action(); if (okId) say(okId, "Сохранено"); }
  catch (err) { say(errorId, err.message); }
}

// --- hours ------------------------------------------------------------------------------
function renderHours() {
  document.getElementById("office-name").textContent = office.name + " (" + office.code + ")";
  const rows = Object.keys(DAYS).map(d => {
    const span = office.opening_hours[d];
    const open = el("input", {type: "checkbox", "data-day": d, "data-field": "open", "aria-label": DAYS[d] + " работает"});
    open.checked = !!span;
    const from = el("input", {type: "time", "data-day": d, "data-field": "opens", value: span ? span[0] : "", "aria-label": DAYS[d] + " с"});
    const to = el("input", {type: "time", "data-day": d, "data-field": "closes", value: span ? span[1] : "", "aria-label": DAYS[d] + " до"});
    return el("tr", {"data-day": d}, el("td", {}, DAYS[d]), el("td", {}, open), el("td", {}, from), el("td", {}, to));
  });
  document.querySelector("#hours tbody").replaceChildren(...rows);
  const form = document.getElementById("hours");
  for (const f of ["warning_ratio", "booked_wait_limit_minutes", "recall_after_seconds", "no_show_after_seconds", "ticket_footer"]) form[f].value = office[f];
  form.schedule_override_reason.value = office.schedule_override_reason || "";
  document.getElementById("schedule-override").textContent = office.schedule_override_at
    ? "График ниже требования оставлен администратором: " + office.schedule_override_by + ", " +
      new Date(office.schedule_override_at).toLocaleString("ru-RU") + " — " + office.schedule_override_reason
    : "";
}
async function saveHours(event) {
  event.preventDefault();
  const form = event.target;
  await attempt("hours-error", "hours-saved", async () => {
    const hours = {};
    for (const d of Object.keys(DAYS)) {
      const get = f => document.querySelector(`#hours [data-day=${d}][data-field=${f}]`);
      if (!get("open").checked) { hours[d] = null; continue; }
      if (!get("opens").value || !get("closes").value) throw new Error(DAYS[d] + ": укажите время открытия и закрытия.");
      hours[d] = [get("opens").value, get("closes").value];
    }
    const body = Object.assign({}, office);
    delete body.code; delete body.schedule_override_by; delete body.schedule_override_at;
    Object.assign(body, {
      opening_hours: hours, warning_ratio: Number(form.warning_ratio.value),
      booked_wait_limit_minutes: Number(form.booked_wait_limit_minutes.value),
      recall_after_seconds: Number(form.recall_after_seconds.value),
      no_show_after_seconds: Number(form.no_show_after_seconds.value),
      ticket_footer: form.ticket_footer.value,
      schedule_override_reason: form.schedule_override_reason.value.trim() || null,
    });
    office = await MFCQ.api("PUT", O, body);
    renderHours();
    await loadCalendar();
  });
}

// --- calendar -----------------------------------------------------------------------------
async function loadCalendar() {
  const days = await MFCQ.api("GET", O + "/calendar?days=60");
  document.querySelector("#calendar tbody").replaceChildren(...days.map(d => {
    const own = d.override;
    const cell = el("td", {});
    if (own) {
      const b = el("button", {type: "button", class: "remove", "data-remove-day": d.day}, "Убрать исключение");
      b.addEventListener("click", () => attempt("day-error", "day-saved", async () => {
        await MFCQ.api("DELETE", O + "/days/" + d.day); await loadCalendar();
      }));
      cell.append(b);
    }
    const weekday = WEEKDAY_NAMES[new Date(d.day + "T12:00:00").getDay()];
    return el("tr", {"data-date": d.day, "data-open": String(d.is_open), class: d.is_open ? "" : "disabled"},
      el("td", {}, d.day), el("td", {}, weekday),
      el("td", {}, d.is_open ? d.opens.slice(0, 5) + "–" + d.closes.slice(0, 5) : "закрыто"),
      el("td", {}, own ? "исключение офиса" + (d.reason ? ": " + d.reason : "") : (d.reason || "по графику")), cell);
  }));
}
async function saveDay(event) {
  event.preventDefault();
  const form = event.target;
  await attempt("day-error", "day-saved", async () => {
    if (!form.day.value) throw new Error("Укажите дату.");
    const body = {is_open: form.is_open.checked, note: form.note.value,
                  opens: form.opens.value || null, closes: form.closes.value || null};
    await MFCQ.api("PUT", O + "/days/" + form.day.value, body);
    await loadCalendar();
  });
}

// --- windows ------------------------------------------------------------------------------
function serviceSelect(value) {
  const select = el("select", {"data-field": "service"}, ...services.map(s => el("option", {value: s.code}, s.name_ru + " (" + s.code + ")")));
  select.value = value || (services[0] && services[0].code);
  return select;
}
function serviceRow(tbody, ws) {
  const remove = el("button", {type: "button", class: "remove"}, "✕");
  const row = el("tr", {class: "window-service"},
    el("td", {}, serviceSelect(ws.service)),
    el("td", {}, el("input", {type: "number", min: 1, max: 9, value: ws.order || 1, "data-field": "order", "aria-label": "Очерёдность"})),
    el("td", {}, remove));
  remove.addEventListener("click", () => row.remove());
  tbody.append(row);
}
function windowForm(w) {
  const tbody = el("tbody");
  const number = el("input", {type: "number", min: 1, value: w.number || "", "data-field": "number", "aria-label": "Номер окна"});
  if (w.number) number.readOnly = true;
  const active = el("input", {type: "checkbox", "data-field": "active"}); active.checked = w.active ?? true;
  const add = el("button", {type: "button"}, "+ услуга");
  const save = el("button", {type: "submit"}, "Сохранить окно");
  const ok = el("span", {class: "ok", role: "status"});
  const error = el("p", {class: "error", role: "alert"});
  const form = el("form", {class: "window", "data-window": w.number ? String(w.number) : "new"},
    el("fieldset", {}, el("legend", {}, w.number ? "Окно " + w.number : "Новое окно"),
      el("label", {}, "Номер ", number), " ",
      el("label", {}, "Название ", el("input", {value: w.name || "", "data-field": "name", maxlength: 100})), " ",
      el("label", {}, active, " действует"), " ",
      el("label", {}, "Адрес LED ", el("input", {type: "number", min: 1, max: 254, value: w.led_address ?? "", "data-field": "led_address"})),
      el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "Услуга"), el("th", {}, "Очерёдность"), el("th", {}, ""))), tbody),
      add, " ", save, " ", ok, error));
  add.addEventListener("click", () => serviceRow(tbody, {}));
  for (const ws of w.services || []) serviceRow(tbody, ws);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = ""; ok.textContent = "";
    try {
      if (!number.value) throw new Error("Укажите номер окна.");
      const led = form.querySelector("[data-field=led_address]").value;
      const body = {
        name: form.querySelector("[data-field=name]").value, active: active.checked,
        led_address: led === "" ? null : Number(led),
        services: [...tbody.querySelectorAll("tr.window-service")].map(r => ({
          service: r.querySelector("[data-field=service]").value,
          order: Number(r.querySelector("[data-field=order]").value),
        })),
      };
      const saved = await MFCQ.api("PUT", O + "/windows/" + Number(number.value), body);
      number.readOnly = true;
      form.dataset.window = String(saved.number);
      form.querySelector("legend").textContent = "Окно " + saved.number;
      ok.textContent = "Сохранено";
    } catch (err) { error.textContent = err.message; }
  });
  document.getElementById("windows").append(form);
}

// --- devices ------------------------------------------------------------------------------
async function loadDevices() {
  const devices = await MFCQ.api("GET", O + "/devices");
  document.querySelector("#devices tbody").replaceChildren(...devices.map(d => {
    const revoke = el("button", {type: "button", class: "remove"}, "Отозвать ключ");
    revoke.addEventListener("click", () => attempt("device-error", null, async () => {
      if (!confirm("Отозвать ключ устройства «" + d.name + "»? Устройство перестанет работать.")) return;
      await MFCQ.api("DELETE", O + "/devices/" + d.id); await loadDevices();
    }));
    return el("tr", {"data-device": d.name}, el("td", {}, String(d.id)), el("td", {}, KINDS[d.kind] || d.kind),
      el("td", {}, d.name), el("td", {}, d.state || "—"),
      el("td", {}, d.state_at ? new Date(d.state_at).toLocaleString("ru-RU", {timeZone: office.timezone}) : "—"),
      el("td", {}, d.kind === "board"
        ? el("a", {href: "/admin/settings/offices/" + encodeURIComponent(OFFICE) + "/boards#board-" + d.id}, "Настройки табло")
        : "", revoke));
  }));
}
async function addDevice(event) {
  event.preventDefault();
  const form = event.target;
  await attempt("device-error", null, async () => {
    const d = await MFCQ.api("POST", O + "/devices", {kind: form.kind.value, name: form.name.value.trim()});
    document.getElementById("token").textContent = d.token;
    document.getElementById("new-token").hidden = false;
    form.name.value = "";
    await loadDevices();
  });
}

// --- receipt printers per window (the office's case settings) ---------------------------
let caseSettings = null;
function renderPrinters(windows) {
  const printers = caseSettings.printers || {};
  const row = (slot, label) => el("tr", {"data-slot": slot}, el("td", {}, label),
    el("td", {}, el("input", {"data-slot": slot, value: printers[slot] || "", maxlength: "500", size: "50", "aria-label": label + ": принтер"})));
  document.querySelector("#printers tbody").replaceChildren(
    ...windows.map(w => row(String(w.number), "Окно " + w.number)), row("*", "Все окна"));
}
async function savePrinters(event) {
  event.preventDefault();
  await attempt("printers-error", "printers-saved", async () => {
    const printers = {};
    for (const input of document.querySelectorAll("#printers input[data-slot]")) {
      if (input.value.trim()) printers[input.dataset.slot] = input.value.trim();
    }
    caseSettings = await MFCQ.api("PUT", O + "/case-settings", {
      storage_days: caseSettings.storage_days, courier_weekdays: caseSettings.courier_weekdays, printers});
  });
}

async function init() {
  [office, services] = await Promise.all([MFCQ.api("GET", O), MFCQ.api("GET", "/services")]);
  renderHours();
  const windows = await MFCQ.api("GET", O + "/windows");
  for (const w of windows) windowForm(w);
  caseSettings = await MFCQ.api("GET", O + "/case-settings");
  renderPrinters(windows);
  await Promise.all([loadCalendar(), loadDevices()]);
  document.body.dataset.ready = "true";
}
document.getElementById("hours").addEventListener("submit", saveHours);
document.getElementById("day").addEventListener("submit", saveDay);
document.getElementById("device").addEventListener("submit", addDevice);
document.getElementById("printers").addEventListener("submit", savePrinters);
document.getElementById("add-window").addEventListener("click", () => windowForm({services: [{}]}));
if (ADMIN.requireLogin()) init().catch(err => say("hours-error", err.message));
