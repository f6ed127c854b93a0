"use strict";
const KINDS = {intake: "приём", issuance: "выдача", consultation: "консультация"};
async function init() {
  const services = await MFCQ.api("GET", "/services");
  document.querySelector("#services tbody").replaceChildren(...services.map(s => MFCQ.el("tr", {"data-service": s.code},
    MFCQ.el("td", {}, MFCQ.el("a", {href: "/admin/settings/services/" + encodeURIComponent(s.code)}, s.code)),
    MFCQ.el("td", {}, s.name_ru), MFCQ.el("td", {}, s.prefix), MFCQ.el("td", {}, KINDS[s.kind]),
    MFCQ.el("td", {}, String(s.wait_limit_minutes)), MFCQ.el("td", {}, String(s.service_norm_minutes)),
    MFCQ.el("td", {}, String(s.variants.length)), MFCQ.el("td", {}, String(s.documents.length)),
    MFCQ.el("td", {}, s.active ? "да" : "нет"))));
}
if (ADMIN.requireLogin()) init().catch(err => { document.getElementById("error").textContent = err.message; });
