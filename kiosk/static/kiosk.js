// Kiosk screen behaviour: idle timeout with a warning, keyboard shortcuts, the booking
// keypad, automatic retries. Every timer that moves the applicant on can be stopped by
// one touch (WCAG 2.2.1); nothing else on the screen is timed.
"use strict";
(function () {
  const body = document.body;
  const idleSeconds = Number(body.dataset.idle || 0);
  const graceSeconds = Number(body.dataset.grace || 30);
  const dialog = document.getElementById("idle");
  const keepGoing = document.getElementById("idle-continue");
  let idleTimer = null;
  let graceTimer = null;

  function goStart() { window.location.assign("/"); }

  function armIdle() {
    if (!idleSeconds) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      dialog.hidden = false;
      keepGoing.focus();
      graceTimer = setTimeout(goStart, graceSeconds * 1000);
    }, idleSeconds * 1000);
  }

  function touched() {
    if (!dialog.hidden) return;  // only "Continue" dismisses the warning
    armIdle();
  }

  keepGoing.addEventListener("click", () => {
    clearTimeout(graceTimer);
    dialog.hidden = true;
    armIdle();
  });
  ["pointerdown", "keydown", "touchstart", "wheel"].forEach((type) =>
    document.addEventListener(type, touched, {passive: true, capture: true}));
  armIdle();

  // Esc goes back one step (or to the start), Home to the start.
  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLInputElement && event.key !== "Escape") return;
    if (event.key === "Escape" && dialog.hidden) {
      const back = document.getElementById("back") || document.getElementById("home");
      if (back) { event.preventDefault(); back.click(); }
    } else if (event.key === "Home") {
      event.preventDefault(); goStart();
    }
  });

  // One submission per form: a double tap sends nothing twice from this page (the
  // kiosk agent also deduplicates by the idempotency key, should two arrive).
  document.querySelectorAll("form[method=post]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
    });
  });

  // Keypads: the booking code, the phone number (the pad names its field).
  document.querySelectorAll(".key[data-char]").forEach((key) => {
    const field = document.getElementById(key.closest(".keypad").dataset.for || "code");
    key.addEventListener("click", () => {
      const ch = key.dataset.char;
      const most = Number(field.maxLength) > 0 ? Number(field.maxLength) : 14;
      field.value = ch === "BACKSPACE" ? field.value.slice(0, -1) : (field.value + ch).slice(0, most);
    });
  });

  // No connection: send the same request (same idempotency key) again, automatically.
  const resubmit = Number(body.dataset.resubmit || 0);
  const retryForm = document.getElementById("retry-form");
  if (resubmit && retryForm) setTimeout(() => retryForm.requestSubmit(), resubmit * 1000);

  // Start screen while the kiosk cannot issue (printer, server): look again by itself.
  const reload = Number(body.dataset.reload || 0);
  if (reload) setTimeout(() => window.location.reload(), reload * 1000);
})();
