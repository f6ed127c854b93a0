// The applicant's complaint form: checks the fields, sends them, shows the number and the term.
"use strict";
const form = document.getElementById("complaint-form");
const $ = (id) => document.getElementById(id);

function showError(message) { const e = $("error"); e.textContent = message; e.hidden = !message; }

// The same checks as the server's, said in words people read before anything is sent.
function problem() {
  if (!$("name").value.trim()) return "Укажите фамилию, имя и отчество.";
  if (!$("contact").value.trim()) return "Укажите телефон, e-mail или адрес для ответа.";
  if (!$("text").value.trim()) return "Опишите суть жалобы.";
  if (!$("consent").checked) return "Без согласия на обработку персональных данных жалобу зарегистрировать нельзя.";
  return "";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  const found = problem();
  if (found) { showError(found); return; }
  $("submit").disabled = true;
  try {
    const reference = $("reference").value.trim();
    const response = await fetch(`/api/v1/public/offices/${encodeURIComponent(form.dataset.office)}/complaints`, {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({
        category: $("category").value, applicant_name: $("name").value.trim(),
        applicant_contact: $("contact").value.trim(), text: $("text").value.trim(),
        consent_personal_data: $("consent").checked, reference: reference || null,
      }),
    });
    const body = await response.json();
    if (!response.ok) { showError(body.error ? body.error.message : "Не удалось отправить жалобу."); return; }
    form.hidden = true;
    $("done").hidden = false;
    $("number").textContent = body.number;
    $("due").textContent = body.answer_due.split("-").reverse().join(".");
    $("days").textContent = String(body.answer_working_days);
  } catch (err) {
    showError("Нет связи с сервером. Попробуйте ещё раз.");
  } finally { $("submit").disabled = false; }
});
