// Waiting-room board: state over HTTP, events over a WebSocket that resumes after the
// last event id it saw, and an announcer that plays one call at a time.
(function () {
  "use strict";

  const cfg = MFCQ.pageConfig();
  // The board is a device: its token comes in the page's URL (?token=dev_…).
  MFCQ.useDeviceToken(new URLSearchParams(location.search).get("token") || "");
  const en = cfg.lang === "en";
  const BLINK_MS = 8000;
  const ACTIVE = new Set(["called"]);
  const LEFT_WINDOW = new Set(["ticket.redirected", "ticket.transferred", "ticket.postponed", "ticket.returned"]);

  // Exposed for the browser tests and for a technician's console.
  const board = (window.board = {
    lastId: null,
    connected: false,
    calls: new Map(), // ticket_id -> {number, window, status, order, freshUntil}
    log: [], // announcer: {kind: "start"|"end"|"skip", text, at}
    received: 0,
    waiting: [], // service codes with people waiting, in the board's order
    pages: [], // those codes page by page
    page: 0,
  });

  let order = 0;
  let timezone = "Europe/Moscow";

  const $ = (id) => document.getElementById(id);

  // --- rendering ------------------------------------------------------------------
  function renderCalls() {
    const now = Date.now();
    const rows = [...board.calls.entries()]
      .sort((a, b) => b[1].order - a[1].order)
      .slice(0, cfg.recent);
    const list = $("calls");
    list.replaceChildren(
      ...rows.map(([id, call]) => {
        const li = document.createElement("li");
        li.dataset.ticket = id;
        li.dataset.number = call.number;
        li.dataset.status = call.status;
        if (ACTIVE.has(call.status)) li.classList.add("called");
        if (call.freshUntil > now) {
          li.classList.add("fresh");
        }
        const n = document.createElement("span");
        n.className = "number";
        n.textContent = call.number;
        const w = document.createElement("span");
        w.className = "window";
        w.textContent = call.window == null ? "" : String(call.window);
        li.append(n, w);
        return li;
      })
    );
    // Older calls that would be cut off at the bottom are left out, never half shown.
    const limit = list.getBoundingClientRect().bottom + 1;
    [...list.children].forEach((li) => {
      if (li.getBoundingClientRect().bottom > limit) li.remove();
    });
  }

  // The queues: every service with people waiting. When they do not all fit, they are
  // split into pages that take turns every cfg.pageSeconds, so no queue is ever hidden
  // for good, whatever the number of services and the size of the screen.
  let waitingRows = [];
  let pageIndex = 0;

  function renderWaiting(services) {
    const shown = services.filter((s) => s.waiting > 0);
    board.waiting = shown.map((s) => s.service);
    waitingRows = shown.map((s) => {
      const li = document.createElement("li");
      li.dataset.service = s.service;
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = (en ? s.name_en || s.name_ru : s.name_ru) + " (" + s.prefix + ")";
      const count = document.createElement("span");
      count.className = "count";
      count.textContent = String(s.waiting);
      li.append(name, count);
      return li;
    });
    $("waiting").replaceChildren(...waitingRows);
    $("none-waiting").hidden = shown.length > 0;
    paginate();
  }

  // Rows are measured where they stand; a page ends where the next row would not fit whole.
  function paginate() {
    const list = $("waiting");
    waitingRows.forEach((li) => { li.hidden = false; });
    $("pager").hidden = false; // measured with the pager's line taken
    const height = list.clientHeight;
    board.listHeight = height;
    const pages = [];
    let current = [];
    let top = 0;
    waitingRows.forEach((li) => {
      const bottom = li.offsetTop - list.offsetTop + li.offsetHeight;
      if (current.length && bottom - top > height) {
        pages.push(current);
        current = [];
        top = li.offsetTop - list.offsetTop;
      }
      current.push(li);
    });
    if (current.length) pages.push(current);
    board.pages = pages.map((rows) => rows.map((li) => li.dataset.service));
    showPage(Math.min(pageIndex, Math.max(pages.length - 1, 0)));
  }

  function showPage(index) {
    const pages = board.pages;
    pageIndex = index;
    const visible = new Set(pages[index] || []);
    waitingRows.forEach((li) => { li.hidden = !visible.has(li.dataset.service); });
    const pager = $("pager");
    pager.hidden = pages.length < 2;
    pager.textContent = (en ? "Page " : "Страница ") + (index + 1) + (en ? " of " : " из ") + pages.length;
    board.page = index;
  }
  board.showPage = showPage;

  setInterval(() => {
    if (board.pages.length > 1) showPage((pageIndex + 1) % board.pages.length);
  }, 1000 * (cfg.pageSeconds || 8));
  window.addEventListener("resize", () => { paginate(); renderCalls(); });
  // The list's room changes when the fonts arrive or the band comes and goes: split again.
  let measured = -1;
  new ResizeObserver(() => {
    const height = $("waiting").clientHeight;
    if (height !== measured) {
      measured = height;
      paginate();
    }
  }).observe($("waiting"));
  if (document.fonts) document.fonts.ready.then(() => paginate());

  function tickClock() {
    try {
      $("clock").textContent = new Intl.DateTimeFormat(en ? "en-GB" : "ru-RU", {
        timeZone: timezone,
        hour: "2-digit",
        minute: "2-digit",
      }).format(new Date());
    } catch (e) {
      $("clock").textContent = new Date().toTimeString().slice(0, 5);
    }
  }

  function setLink(up) {
    board.connected = up;
    const el = $("link");
    el.className = "link " + (up ? "online" : "offline");
  }

  function showError(text) {
    const el = $("error");
    el.hidden = !text;
    el.textContent = text || "";
  }

  // --- state over HTTP ------------------------------------------------------------
  function fetchState() {
    return MFCQ.api("GET", "/offices/" + encodeURIComponent(cfg.office) + "/board?recent=" + cfg.recent);
  }

  function applyState(state, full) {
    timezone = state.timezone || timezone;
    $("office-name").textContent = state.office_name;
    if (full) {
      board.calls.clear();
      // Oldest first, so the newest gets the highest order.
      [...state.calls].reverse().forEach((c) => {
        board.calls.set(String(c.ticket_id), {
          number: c.number,
          window: c.window,
          status: c.status,
          order: ++order,
          freshUntil: 0,
        });
      });
      board.lastId = state.last_event_id;
      renderCalls();
    }
    renderWaiting(state.waiting);
    tickClock();
  }

  // A burst of events makes one reload of the counts; a failed one waits for the next event.
  const refreshCountsSoon = MFCQ.coalesce(async () => applyState(await fetchState(), false), 400);

  // --- events ---------------------------------------------------------------------
  function applyEvent(msg) {
    const p = msg.payload || {};
    board.lastId = msg.id;
    if (!msg.type.startsWith("ticket.")) {
      if (msg.type === "office.changed" || msg.type === "catalogue.changed") refreshCountsSoon();
      // A manager changed this board's settings on the server: show them.
      if (msg.type === "device.settings" && cfg.deviceId != null && p.device_id === cfg.deviceId) {
        location.reload();
      }
      return;
    }
    const id = String(p.ticket_id);
    const known = board.calls.get(id);
    if (msg.type === "ticket.called" || msg.type === "ticket.recalled") {
      const call = {
        number: p.number,
        window: p.window,
        status: "called",
        order: ++order,
        freshUntil: Date.now() + BLINK_MS,
      };
      board.calls.set(id, call);
      announcer.add({ ticketId: id, number: p.number, window: p.window, recall: msg.type === "ticket.recalled" });
      setTimeout(renderCalls, BLINK_MS + 50);
    } else if (known) {
      known.status = p.status || known.status;
      // Gone from the window: redirected, transferred, postponed (or back from the hold).
      if (LEFT_WINDOW.has(msg.type)) known.window = null;
    }
    renderCalls();
    refreshCountsSoon();
  }

  // Events resume after the last one applied, so a restart of the server loses no call.
  function connect() {
    MFCQ.subscribe(cfg.office, {
      after: () => board.lastId,
      onMessage: () => { board.received += 1; },
      onLink(up) {
        setLink(up);
        if (up) {
          showError("");
          refreshCountsSoon();
        }
      },
      // Fell behind: reload the whole state, then go on from its event id.
      onResync: () => fetchState().then((s) => applyState(s, true)).catch(() => {}),
      onError: (error) => showError(error.message),
      onEvent: applyEvent,
    });
  }

  // --- announcer ------------------------------------------------------------------
  // The names of the letters as they are spoken (Cyrillic, and Latin read in Russian).
  const LETTER_NAMES = {
    А: "а", Б: "бэ", В: "вэ", Г: "гэ", Д: "дэ", Е: "е", Ё: "ё", Ж: "жэ", З: "зэ", И: "и",
    Й: "и краткое", К: "ка", Л: "эль", М: "эм", Н: "эн", О: "о", П: "пэ", Р: "эр", С: "эс",
    Т: "тэ", У: "у", Ф: "эф", Х: "ха", Ц: "цэ", Ч: "чэ", Ш: "ша", Щ: "ща", Ы: "ы", Э: "э",
    Ю: "ю", Я: "я",
    A: "эй", B: "би", C: "си", D: "ди", E: "и", F: "эф", G: "джи", H: "эйч", I: "ай",
    J: "джей", K: "кей", L: "эль", M: "эм", N: "эн", O: "оу", P: "пи", Q: "кью", R: "ар",
    S: "эс", T: "ти", U: "ю", V: "ви", W: "дабл-ю", X: "экс", Y: "уай", Z: "зед",
  };
  const announcer = (function () {
    const queue = [];
    let busy = false;
    let audio = null;

    function phrase(item) {
      const m = /^(\D*)0*(\d+)$/.exec(item.number || "");
      if (!m) return (en ? "Ticket " : "Талон ") + spell(item.number || "") + windowPart(item);
      const letters = spell(m[1]);
      return (en ? "Ticket " : "Талон ") + (letters ? letters + " " : "") + m[2] + windowPart(item);
    }

    function windowPart(item) {
      return item.window == null ? "" : (en ? ", window " : ", окно ") + item.window;
    }

    // Each letter of the prefix by its name: «Б» alone is read "бы", «В» as the
    // preposition, «С» as "с", «Ж» as "же"; «бэ», «вэ», «эс», «жэ» are what people say.
    function spell(text) {
      return [...text]
        .map((ch) => (en ? ch : LETTER_NAMES[ch.toUpperCase()] || ch))
        .filter((part) => part.trim())
        .join(" ");
    }

    function audioContext() {
      if (!audio) {
        const Ctx = window.AudioContext || window.webkitAudioContext;
        if (!Ctx) return null;
        audio = new Ctx();
      }
      if (audio.state === "suspended") $("sound").hidden = false;
      return audio;
    }

    function chime() {
      const ctx = audioContext();
      if (!ctx || ctx.state !== "running") return Promise.resolve();
      const t = ctx.currentTime;
      [659.25, 523.25].forEach((freq, i) => {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, t + i * 0.45);
        gain.gain.exponentialRampToValueAtTime(0.5, t + i * 0.45 + 0.03);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.45 + 0.42);
        osc.connect(gain).connect(ctx.destination);
        osc.start(t + i * 0.45);
        osc.stop(t + i * 0.45 + 0.45);
      });
      return new Promise((resolve) => setTimeout(resolve, 1000));
    }

    function speak(text) {
      const synth = window.speechSynthesis;
      if (!cfg.voice || !synth || typeof SpeechSynthesisUtterance === "undefined") {
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const u = new SpeechSynthesisUtterance(text);
        u.lang = en ? "en-GB" : "ru-RU";
        u.rate = 0.9;
        const voice = synth.getVoices().find((v) => v.lang && v.lang.startsWith(en ? "en" : "ru"));
        if (voice) u.voice = voice;
        let done = false;
        const finish = () => {
          if (!done) {
            done = true;
            resolve();
          }
        };
        u.onend = finish;
        u.onerror = finish;
        // Some engines never fire onend: bound the wait by the phrase length.
        setTimeout(finish, 2000 + 150 * text.length);
        synth.speak(u);
      });
    }

    async function pump() {
      if (busy) return;
      busy = true;
      try {
        while (queue.length) {
          const item = queue.shift();
          const call = board.calls.get(item.ticketId);
          const text = phrase(item);
          // A call the clerk has already moved on from is not announced late.
          if (!call || call.status !== "called") {
            board.log.push({ kind: "skip", text, at: Date.now() });
            continue;
          }
          board.log.push({ kind: "start", text, at: Date.now() });
          await chime();
          await speak(text);
          board.log.push({ kind: "end", text, at: Date.now() });
          await new Promise((r) => setTimeout(r, 300));
        }
      } finally {
        busy = false;
      }
    }

    $("sound").addEventListener("click", () => {
      const ctx = audioContext();
      if (ctx) ctx.resume();
      $("sound").hidden = true;
    });

    return {
      add(item) {
        queue.push(item);
        pump();
      },
      phrase,
    };
  })();
  board.phrase = announcer.phrase;

  // --- heartbeat ------------------------------------------------------------------
  // The board tells the server it is alive once a minute (the dashboard says "нет связи"
  // only when these stop); a failed one is simply followed by the next.
  const HEARTBEAT_MS = 60000;
  function heartbeat() {
    MFCQ.api("PUT", "/devices/me/state", { state: "ok", detail: {} }).catch(() => {});
  }

  // --- start ----------------------------------------------------------------------
  $("running-text").textContent = cfg.runningText || "";
  // No running text: no band at all, the lists take its room.
  $("ticker").hidden = !cfg.runningText;
  $("board").classList.toggle("no-ticker", !cfg.runningText);
  if (cfg.deviceId != null) {
    heartbeat();
    setInterval(heartbeat, HEARTBEAT_MS);
  }
  setLink(false);
  tickClock();
  setInterval(tickClock, 1000);

  (async function start() {
    for (let delay = 500; ; delay = Math.min(delay * 2, 5000)) {
      try {
        applyState(await fetchState(), true);
        break;
      } catch (e) {
        showError(String(e.message || e));
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    showError("");
    connect();
  })();
})();
