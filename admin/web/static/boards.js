// The office's boards, one form each: the settings the server keeps for the board.
"use strict";
const OFFICE = MFCQ.pageConfig().office;
const {el} = MFCQ;
const O = "/offices/" + encodeURIComponent(OFFICE);

function field(label, input, hint) {
  return el("label", {}, label + " ", input, hint ? el("span", {class: "hint"}, " " + hint) : "");
}
function boardForm(device, s) {
  const id = "board-" + device.id;
  const text = el("textarea", {name: "running_text", maxlength: "500", rows: "2"});
  text.value = s.running_text;
  const recent = el("input", {name: "recent", type: "number", min: "1", max: "20", required: "", value: String(s.recent)});
  const pageSeconds = el("input", {name: "page_seconds", type: "number", min: "3", max: "60", required: "", value: String(s.page_seconds)});
  const voice = el("input", {name: "voice", type: "checkbox"});
  voice.checked = !!s.voice;
  const lang = el("select", {name: "lang"},
    el("option", {value: "ru"}, "русский"), el("option", {value: "en"}, "английский"));
  lang.value = s.lang;
  const saved = el("span", {class: "ok", role: "status"});
  const error = el("p", {class: "error", role: "alert"});
  const form = el("form", {id, "data-device": String(device.id), "aria-labelledby": id + "-title"},
    el("h2", {id: id + "-title"}, "Табло «" + device.name + "»"),
    el("div", {class: "grid"},
      field("Бегущая строка", text, "(пусто — полосы нет)"),
      field("Сколько последних вызовов показывать", recent),
      field("Смена страниц очередей, с", pageSeconds),
      field("Язык табло", lang),
      el("label", {}, voice, " Озвучивать вызовы")),
    el("button", {type: "submit"}, "Сохранить"), " ", saved, error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    saved.textContent = ""; error.textContent = "";
    try {
      const body = {running_text: text.value, recent: Number(recent.value), page_seconds: Number(pageSeconds.value),
        voice: voice.checked, lang: lang.value};
      await MFCQ.api("PUT", O + "/devices/" + device.id + "/settings", body);
      saved.textContent = "Сохранено; табло уже показывает новые настройки.";
    } catch (err) { error.textContent = err.message; }
  });
  return form;
}
async function load() {
  try {
    const office = await MFCQ.api("GET", O);
    document.getElementById("office-name").textContent = office.name;
    const boards = (await MFCQ.api("GET", O + "/devices")).filter(d => d.kind === "board");
    document.getElementById("none").hidden = boards.length > 0;
    const forms = [];
    for (const d of boards) forms.push(boardForm(d, await MFCQ.api("GET", O + "/devices/" + d.id + "/settings")));
    document.getElementById("boards").replaceChildren(...forms);
  } catch (err) { document.getElementById("error").textContent = err.message; }
}
if (ADMIN.requireLogin()) load();
