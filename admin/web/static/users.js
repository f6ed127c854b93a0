"use strict";
const {el} = MFCQ;
const ROLES = {clerk: "консультант", manager: "руководитель", admin: "администратор"};
let offices = [];
function say(id, text) { document.getElementById(id).textContent = text; }
function officeSelect(value) {
  const s = el("select", {"data-field": "office"}, el("option", {value: ""}, "— все —"),
    ...offices.map(o => el("option", {value: o.code}, o.code)));
  s.value = value || "";
  return s;
}
function roleSelect(value) {
  const s = el("select", {"data-field": "role"}, ...Object.entries(ROLES).map(([k, v]) => el("option", {value: k}, v)));
  s.value = value;
  return s;
}
async function act(action) {
  say("users-error", ""); say("users-saved", "");
  try { await action(); say("users-saved", "Сохранено"); } catch (err) { say("users-error", err.message); }
  await load();
}
async function load() {
  const users = await MFCQ.api("GET", "/users");
  document.querySelector("#users tbody").replaceChildren(...users.map(u => {
    const name = el("input", {value: u.full_name, "data-field": "full_name"});
    const role = roleSelect(u.role), office = officeSelect(u.office);
    const active = el("input", {type: "checkbox", "data-field": "active", "aria-label": u.username + " действует"});
    active.checked = u.active;
    const password = el("input", {type: "password", autocomplete: "new-password", "data-field": "password", "aria-label": u.username + " новый пароль"});
    const save = el("button", {type: "button", "data-action": "save"}, "Сохранить");
    save.addEventListener("click", () => act(async () => {
      const body = {full_name: name.value, role: role.value, active: active.checked};
      if (office.value) body.office = office.value; else body.no_office = true;
      await MFCQ.api("PATCH", "/users/" + encodeURIComponent(u.username), body);
      if (password.value) await MFCQ.api("POST", "/users/" + encodeURIComponent(u.username) + "/password", {password: password.value});
    }));
    return el("tr", {"data-user": u.username, class: u.active ? "" : "disabled"},
      el("td", {}, u.username), el("td", {}, name), el("td", {}, role), el("td", {}, office),
      el("td", {}, active), el("td", {}, password), el("td", {}, save));
  }));
}
async function create(event) {
  event.preventDefault();
  const f = event.target;
  say("new-error", "");
  try {
    await MFCQ.api("POST", "/users", {username: f.username.value.trim(), full_name: f.full_name.value.trim(),
      password: f.password.value, role: f.role.value, office: f.office.value || null});
    f.reset();
    await load();
  } catch (err) { say("new-error", err.message); }
}
async function init() {
  offices = await MFCQ.api("GET", "/offices");
  const select = document.querySelector("#new-user select[name=office]");
  for (const o of offices) select.append(el("option", {value: o.code}, o.name + " (" + o.code + ")"));
  if (offices.length === 1) select.value = offices[0].code;
  await load();
  document.body.dataset.ready = "true";
}
document.getElementById("new-user").addEventListener("submit", create);
if (ADMIN.requireLogin()) init().catch(err => say("users-error", err.message));
