"use strict";
document.getElementById("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    await MFCQ.login(form.get("username"), form.get("password"));
  } catch (err) {
    document.getElementById("error").textContent = err.message;
    return;
  }
  const next = new URLSearchParams(location.search).get("next");
  location.href = next && next.startsWith("/admin") ? next : "/admin/reports";
});
