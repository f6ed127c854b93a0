// The public progress of an intake case (the receipt's link), reloaded every 30 s.
const code = document.getElementById("card").dataset.code;
const words = {registered: "Зарегистрировано в МФЦ", sent_to_agency: "Передано в орган власти",
  result_received: "Результат поступил в МФЦ", ready: "Готово к выдаче", issued: "Выдано",
  refused: "Заявитель отказался от получения", stored: "На хранении в МФЦ",
  returned: "Возвращено в орган власти", archived: "Передано в архив"};
// Times are the office's (its zone comes with the case), wherever the reader's device is.
const fmt = (s, zone) => new Intl.DateTimeFormat("ru-RU", {
  dateStyle: "short", timeStyle: "short", timeZone: zone}).format(new Date(s));
// A date without a time is the office's calendar day: shown as it is, never shifted.
const day = (iso) => iso.split("-").reverse().join(".");
async function refresh() {
  const r = await fetch(`/api/v1/cases/status/${encodeURIComponent(code)}`);
  if (!r.ok) return;
  const c = await r.json();
  document.getElementById("office").textContent = c.office_name;
  document.getElementById("number").textContent = `№ ${c.registration_number}`;
  document.getElementById("service").textContent = c.service_name_ru;
  document.getElementById("ready").hidden = !c.ready_for_issuance;
  document.getElementById("due").textContent = c.due_date
    ? `Срок предоставления услуги: до ${day(c.due_date)}` : "";
  document.getElementById("zone").textContent =
    `Время указано по часовому поясу офиса (${c.office_timezone}).`;
  const list = document.getElementById("steps");
  list.replaceChildren(...c.steps.map((s) => {
    const li = document.createElement("li");
    const t = document.createElement("time"); t.textContent = fmt(s.at, c.office_timezone) + " — ";
    t.dateTime = s.at;
    li.append(t, words[s.status] || s.status); return li;
  }));
}
refresh(); setInterval(refresh, 30000);
