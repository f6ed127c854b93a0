// The status page's "tell me" block: a phone with consent, or the Telegram bot's link.
// Shown only when the office sends SMS or has a bot; the rest of the page is not touched.
"use strict";
(function () {
  const box = document.getElementById("notify");
  if (!box) return;
  const code = box.dataset.code;
  const form = document.getElementById("notify-form");
  const result = document.getElementById("notify-result");
  const telegram = document.getElementById("notify-telegram");
  const path = `/api/v1/tickets/status/${encodeURIComponent(code)}/notifications`;

  function show(text, isError) {
    result.textContent = text;
    result.className = isError ? "error" : "";
  }

  async function load() {
    const response = await fetch(path);
    if (!response.ok) return;
    const info = await response.json();
    document.getElementById("notify-consent-text").textContent = info.consent_text;
    form.hidden = !info.sms_available;
    if (info.telegram_link) {
      telegram.href = info.telegram_link;
      telegram.hidden = false;
    }
    if (info.subscriptions.length) {
      show("Уведомления придут: " + info.subscriptions.map((s) => s.address_masked).join(", "));
    }
    box.hidden = !(info.sms_available || info.telegram_link);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await fetch(path, {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept-Language": "ru"},
      body: JSON.stringify({
        phone: document.getElementById("notify-phone").value,
        consent: document.getElementById("notify-consent").checked,
        source: "status_page",
      }),
    });
    const body = await response.json();
    if (response.ok) {
      show("Готово: СМС придут на номер " + body.address_masked + ".");
      form.hidden = true;
    } else {
      show(body.error ? body.error.message : "Не удалось сохранить номер.", true);
    }
  });

  load();
})();
