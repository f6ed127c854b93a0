// The one client the server's pages share (admin, clerk, board): the authenticated API
// call and the office's event WebSocket. A plain script that defines the global MFCQ only.
"use strict";
const MFCQ = (() => {
  // Staff pages share one login: the token lives in sessionStorage under one key. A device
  // (the board) brings its token in its URL; that one is kept in memory and never stored.
  const TOKEN_KEY = "mfcq_token";
  let deviceToken = null;
  let unauthorized = () => {};

  function token() {
    return deviceToken ?? sessionStorage.getItem(TOKEN_KEY);
  }

  function forgetToken() {
    sessionStorage.removeItem(TOKEN_KEY);
  }

  // A refused staff token is dropped and the page asks for a login; a device keeps its own.
  function refused() {
    if (deviceToken !== null) return;
    forgetToken();
    unauthorized();
  }

  // The server's {"error": {"code", "message"}} as an Error people can read.
  async function readableError(response) {
    let code = "http_error";
    let message = "HTTP " + response.status;
    try {
      const body = await response.json();
      if (body && body.error) {
        code = body.error.code || code;
        message = body.error.message || message;
      }
    } catch (e) { /* not JSON: keep the status */ }
    const err = new Error(message);
    err.code = code;
    err.status = response.status;
    return err;
  }

  // The page's language (its <html lang>): the server answers errors in it. Russian unless
  // the person chose English; never the browser's own preference.
  function lang() {
    return document.documentElement.lang === "en" ? "en" : "ru";
  }

  async function api(method, path, body) {
    const headers = {"Accept-Language": lang()};
    const bearer = token();
    if (bearer) headers.Authorization = "Bearer " + bearer;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch("/api/v1" + path, {
      method, headers, cache: "no-store", body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) refused();
    if (!response.ok) throw await readableError(response);
    if (response.status === 204) return null;
    const json = (response.headers.get("content-type") || "").includes("json");
    return json ? response.json() : response.blob();
  }

  async function login(username, password) {
    const response = await fetch("/api/v1/auth/token", {
      method: "POST", headers: {"Accept-Language": lang()},
      body: new URLSearchParams({username, password}),
    });
    if (!response.ok) throw await readableError(response);
    const data = await response.json();
    sessionStorage.setItem(TOKEN_KEY, data.access_token);
    return data;
  }

  // Staff send the token in the first message, so it stays out of access logs; a device
  // sends it in the URL, as the LED driver does. With `after` (the page's last applied
  // event id) a reconnect resumes there and events already applied are dropped. A server
  // silent for 2.5 heartbeats is taken for gone: a half-open link never closes by itself.
  function subscribe(office, handlers) {
    const on = Object.assign(
      {after: () => null, onEvent() {}, onLink() {}, onError() {}, onMessage() {}}, handlers);
    const onResync = on.onResync || on.onEvent;
    let socket = null, backoff = 500, heartbeatMs = 15000, lastMessageAt = 0;

    function url() {
      const query = new URLSearchParams({lang: lang()});
      if (deviceToken !== null) query.set("token", deviceToken);
      const last = on.after();
      if (last !== null && last !== undefined) query.set("after", String(last));
      const proto = location.protocol === "https:" ? "wss:" : "ws:";
      const path = "/ws/offices/" + encodeURIComponent(office) + "/events";
      const search = query.toString();
      return proto + "//" + location.host + path + (search ? "?" + search : "");
    }

    function receive(ws, msg) {
      on.onMessage(msg);
      if (msg.type === "hello") {
        backoff = 500;
        heartbeatMs = (msg.heartbeat || 15) * 1000;
        on.onLink(true, msg);
      } else if (msg.type === "ping") {
        ws.send(JSON.stringify({type: "pong", t: msg.t}));
      } else if (msg.type === "resync") {
        onResync(msg);
      } else if (msg.type === "error") {
        ws.errorShown = true;
        on.onError(msg.error);
      } else if (typeof msg.id === "number") {
        const last = on.after();
        if (last !== null && last !== undefined && msg.id <= last) return; // already applied
        on.onEvent(msg);
      }
    }

    function connect() {
      const ws = (socket = new WebSocket(url()));
      lastMessageAt = Date.now();
      ws.onopen = () => {
        if (deviceToken === null) ws.send(JSON.stringify({type: "auth", token: token()}));
      };
      ws.onmessage = (ev) => {
        lastMessageAt = Date.now();
        let msg;
        try { msg = JSON.parse(ev.data); } catch (e) { return; }
        receive(ws, msg);
      };
      ws.onclose = (ev) => {
        if (socket !== ws) return;
        socket = null;
        on.onLink(false);
        // 4401: the token is not (or no longer) valid, also on a socket that was open for
        // hours (revoked, expired, account disabled, password changed). Staff log in again;
        // a device says it lost its authorisation and keeps trying, slowly.
        if (ev.code === 4401 && deviceToken === null) { refused(); return; }
        const refusedCode = ev.code >= 4401 && ev.code <= 4404;
        if (refusedCode && !ws.errorShown) {
          on.onError({code: "closed_" + ev.code, message: ev.code === 4401
            ? "Доступ отозван или истёк: устройство нужно зарегистрировать заново."
            : "Сервер отказал в подписке (код " + ev.code + ")."});
        }
        // A refused token or office is not retried quickly; anything else is, with backoff.
        const delay = refusedCode ? 30000 : backoff;
        backoff = Math.min(backoff * 2, 5000);
        setTimeout(connect, delay);
      };
    }

    setInterval(() => {
      if (socket && socket.readyState === WebSocket.OPEN &&
          Date.now() - lastMessageAt > 2.5 * heartbeatMs) socket.close();
    }, 1000);
    connect();
  }

  // Bursts of events (a call writes several) make one run of `task` `waitMs` after the
  // first, never two at once; a trigger during a run makes one more run after it.
  function coalesce(task, waitMs = 0) {
    let timer = null, running = false, again = false;
    async function run() {
      timer = null;
      if (running) { again = true; return; }
      running = true;
      try { await task(); } catch (e) { /* the next trigger tries again */ }
      running = false;
      if (again) { again = false; trigger(); }
    }
    function trigger() {
      if (timer === null) timer = setTimeout(run, waitMs);
    }
    return trigger;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) node.append(c === null || c === undefined ? "" : c);
    return node;
  }

  // What the server put in the page for its script: <script id="page-config" type=…json>.
  function pageConfig() {
    const node = document.getElementById("page-config");
    return node ? JSON.parse(node.textContent) : {};
  }

  return {
    token,
    forgetToken,
    useDeviceToken(value) { deviceToken = value; },
    onUnauthorized(handler) { unauthorized = handler; },
    api, login, subscribe, coalesce, el, pageConfig, lang,
  };
})();
