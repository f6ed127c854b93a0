// What the admin pages share beyond MFCQ: a login is required, and seconds read as m:ss.
"use strict";
const ADMIN = {
  // Sends a visitor without a token to the login, which brings them back here after.
  requireLogin() {
    if (!MFCQ.token()) {
      location.href = "/admin/login?next=" + encodeURIComponent(location.pathname + location.search);
      return false;
    }
    return true;
  },
  mmss(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    const s = Math.round(seconds);
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  },
};
MFCQ.onUnauthorized(ADMIN.requireLogin);
