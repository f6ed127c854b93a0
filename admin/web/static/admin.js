// Shared helpers of the admin pages: the staff token lives in sessionStorage.
"use strict";

const MFCQ = {
  token() { return sessionStorage.getItem("mfcq_token"); },
  requireLogin() {
    if (!MFCQ.token()) {
      location.href = "/admin/login?next=" + encodeURIComponent(location.pathname + location.search);
      return false;
    }
    return true;
  },
  async api(method, path, body) {
    const headers = { "Authorization": "Bearer " + MFCQ.token() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch("/api/v1" + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) { sessionStorage.removeItem("mfcq_token"); MFCQ.requireLogin(); }
    const data = response.status === 204 ? null : await response.json();
    if (!response.ok) {
      const err = new Error(data && data.error ? data.error.message : response.statusText);
      err.code = data && data.error ? data.error.code : "http_error";
      throw err;
    }
    return data;
  },
  mmss(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    const s = Math.round(seconds);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  },
  el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) node.append(c === null || c === undefined ? "" : c);
    return node;
  },
};
