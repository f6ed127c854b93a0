// Agency agreements: the list per agency with each one's state, and the form to keep them.
"use strict";
const {el} = MFCQ;
const $ = (id) => document.getElementById(id);
const STATE_RU = {valid: "действует", expiring: "скоро истекает", expired: "истекло", future: "ещё не вступило"};
const ru = (iso) => iso ? iso.split("-").reverse().join(".") : "—";
let editing = null, services = [];

function renderServices(chosen) {
  $("services").replaceChildren(...services.filter(s => s.kind === "intake").map(s => el("label", {},
    Object.assign(el("input", {type: "checkbox", value: s.code, "data-service": s.code}), {checked: chosen.includes(s.code)}),
    " " + s.name_ru + " (" + s.code + ")")));
}

function edit(agreement) {
  editing = agreement;
  $("form-title").textContent = agreement ? "Соглашение № " + agreement.number : "Новое соглашение";
  $("agency").value = agreement ? agreement.agency : $("agency").value;
  $("agency").disabled = Boolean(agreement);
  $("number").value = agreement ? agreement.number : "";
  $("signed-on").value = agreement && agreement.signed_on ? agreement.signed_on : "";
  $("valid-from").value = agreement ? agreement.valid_from : "";
  $("valid-to").value = agreement ? agreement.valid_to : "";
  $("note").value = agreement ? agreement.note : "";
  $("cancel-edit").hidden = !agreement;
  renderServices(agreement ? agreement.services : []);
}

async function load() {
  const agencies = await MFCQ.api("GET", "/agreements");
  $("agency").replaceChildren(...agencies.map(a => el("option", {value: a.agency}, a.agency_name)));
  $("agencies").replaceChildren(...agencies.map(a => el("section", {"data-agency": a.agency},
    el("h2", {}, a.agency_name),
    a.has_agreements ? "" : el("p", {"class": "hint"}, "Соглашений не внесено: документы по услугам этого органа не принимаются."),
    a.agreements.length ? el("table", {},
      el("thead", {}, el("tr", {}, ...["Номер", "Подписано", "Действует", "Услуги", "Состояние", ""].map(t => el("th", {}, t)))),
      el("tbody", {}, ...a.agreements.map(g => {
        const change = el("button", {type: "button"}, "Изменить");
        change.addEventListener("click", () => edit(g));
        const remove = el("button", {type: "button"}, "Удалить");
        remove.addEventListener("click", async () => {
          if (!confirm("Удалить соглашение № " + g.number + "?")) return;
          try { await MFCQ.api("DELETE", "/agreements/" + g.id); await load(); }
          catch (err) { $("error").textContent = err.message; }
        });
        return el("tr", {"data-number": g.number, "data-state": g.state},
          el("td", {}, g.number), el("td", {}, ru(g.signed_on)),
          el("td", {}, ru(g.valid_from) + " — " + ru(g.valid_to)), el("td", {}, g.services.join(", ")),
          el("td", {}, STATE_RU[g.state] + (g.state === "expiring" ? " (дней: " + g.days_left + ")" : "")),
          el("td", {}, change, " ", remove));
      }))) : "")));
}

$("agreement-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("error").textContent = ""; $("saved").textContent = "";
  const body = {
    number: $("number").value.trim(), valid_from: $("valid-from").value, valid_to: $("valid-to").value,
    note: $("note").value.trim(), signed_on: $("signed-on").value || null,
    services: [...document.querySelectorAll("#services input:checked")].map(i => i.value),
  };
  try {
    if (!body.services.length) throw new Error("Отметьте хотя бы одну услугу соглашения.");
    if (editing) await MFCQ.api("PUT", "/agreements/" + editing.id, body);
    else await MFCQ.api("POST", "/agencies/" + encodeURIComponent($("agency").value) + "/agreements", body);
    $("saved").textContent = "Сохранено";
    edit(null);
    await load();
  } catch (err) { $("error").textContent = err.message; }
});
$("cancel-edit").addEventListener("click", () => edit(null));

async function init() {
  services = await MFCQ.api("GET", "/services");
  await load();
  edit(null);
  document.body.dataset.ready = "true";
}
if (ADMIN.requireLogin()) init().catch(err => { $("error").textContent = err.message; });
