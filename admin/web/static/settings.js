"use strict";
async function init() {
  const offices = await MFCQ.api("GET", "/offices");
  document.getElementById("offices").replaceChildren(...offices.map(o => MFCQ.el("li", {},
    MFCQ.el("a", {href: "/admin/settings/offices/" + encodeURIComponent(o.code)}, o.name + " (" + o.code + ")"), " · ",
    MFCQ.el("a", {href: "/admin/dashboard/" + encodeURIComponent(o.code)}, "мониторинг"))));
}
if (ADMIN.requireLogin()) init().catch(err => { document.getElementById("error").textContent = err.message; });
