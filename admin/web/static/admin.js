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
  // Follows an office's event WebSocket: onEvent(msg) for every event, onLink(true/false)
  // when the link comes and goes. The token goes in the first message, not the URL, so it
  // stays out of access logs. Reconnects with backoff; a silent server is dropped after
  // 2.5 heartbeats.
  subscribe(office, onEvent, onLink) {
    let socket = null, backoff = 500, heartbeatMs = 15000, lastMessageAt = 0;
    function connect() {
      const proto = location.protocol === "https:" ? "wss:" : "ws:";
      const ws = (socket = new WebSocket(
        proto + "//" + location.host + "/ws/offices/" + encodeURIComponent(office) + "/events"));
      lastMessageAt = Date.now();
      ws.onopen = () => { ws.send(JSON.stringify({type: "auth", token: MFCQ.token()})); };
      ws.onmessage = (ev) => {
        lastMessageAt = Date.now();
        let msg;
        try { msg = JSON.parse(ev.data); } catch (e) { return; }
        if (msg.type === "hello") {
          backoff = 500;
          heartbeatMs = (msg.heartbeat || 15) * 1000;
          onLink(true);
        } else if (msg.type === "ping") {
          ws.send(JSON.stringify({type: "pong", t: msg.t}));
        } else if (msg.type === "resync" || typeof msg.id === "number") {
          onEvent(msg);
        }
      };
      ws.onclose = (ev) => {
        if (socket !== ws) return;
        socket = null;
        onLink(false);
        if (ev.code === 4401) { sessionStorage.removeItem("mfcq_token"); MFCQ.requireLogin(); return; }
        const delay = ev.code >= 4402 && ev.code <= 4404 ? 30000 : backoff;
        backoff = Math.min(backoff * 2, 5000);
        setTimeout(connect, delay);
      };
    }
    setInterval(() => {
      if (socket && socket.readyState === WebSocket.OPEN &&
          Date.now() - lastMessageAt > 2.5 * heartbeatMs) socket.close();
    }, 1000);
    connect();
  },
  el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) node.append(c === null || c === undefined ? "" : c);
    return node;
  },
};
