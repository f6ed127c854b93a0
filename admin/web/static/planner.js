// The staffing planner's what-if: 24 hours of windows and arrivals in, a streamed run
// (progress lines, then the result) out, drawn as a table and a chart.
"use strict";
const OFFICE = MFCQ.pageConfig().office;
const $ = (id) => document.getElementById(id);
const HOURS = [...Array(24).keys()];

function inputs(defaults) {
  $("hours").tHead.rows[0].append(...HOURS.map(h => MFCQ.el("th", {}, String(h).padStart(2, "0"))));
  $("row-windows").append(...HOURS.map(h => MFCQ.el("td", {}, MFCQ.el("input", {
    type: "number", min: "0", max: "60", step: "1", name: "w" + h, "aria-label": "Окон в " + h + " ч",
    value: String(defaults.windows[h])}))));
  $("row-arrivals").append(...HOURS.map(h => MFCQ.el("td", {}, MFCQ.el("input", {
    type: "number", min: "0", max: "400", step: "0.1", name: "a" + h, "aria-label": "Приход в " + h + " ч",
    value: String(defaults.arrivals[h])}))));
  $("period").textContent = defaults.from + " — " + defaults.to + " (" + defaults.days + ")";
}

const share = (v) => v === null || v === undefined ? "—" : (100 * v).toFixed(1) + "%";
const wait = (v) => v === null || v === undefined ? "—" : v > 3600 ? "> 60:00" : ADMIN.mmss(v);

function chart(hours) {
  const shown = hours.filter(h => h.arrivals > 0 || h.calls > 0);
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const W = 40 * Math.max(shown.length, 1) + 60, H = 220, base = 190;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("width", String(W));
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "Среднее ожидание по часам: моделирование и Эрланг C");
  const top = Math.max(60, ...shown.map(h => Math.min(h.p90_wait_s ?? 0, 3600)),
    ...shown.map(h => Math.min(h.erlang_mean_wait_s ?? 0, 3600)));
  const y = (s) => base - 170 * Math.min(s, 3600) / top;
  const add = (tag, attrs, text) => {
    const n = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
    if (text !== undefined) n.textContent = text;
    svg.append(n);
  };
  add("text", {x: 0, y: 12, "font-size": 11}, "мин:сек; столбец — среднее, черта — 90%, точка — Эрланг C");
  shown.forEach((h, i) => {
    const x = 50 + 40 * i;
    if (h.mean_wait_s !== null) add("rect", {x, y: y(h.mean_wait_s), width: 24, height: base - y(h.mean_wait_s), fill: "#1f3a5f", "data-hour": h.hour});
    if (h.p90_wait_s !== null) add("line", {x1: x - 2, x2: x + 26, y1: y(h.p90_wait_s), y2: y(h.p90_wait_s), stroke: "#b71c1c", "stroke-width": 2});
    if (h.erlang_mean_wait_s !== null) add("circle", {cx: x + 12, cy: y(h.erlang_mean_wait_s), r: 4, fill: "#f9a825", "data-erlang": h.hour});
    add("text", {x: x + 4, y: base + 14, "font-size": 11}, String(h.hour).padStart(2, "0"));
  });
  add("line", {x1: 45, x2: W, y1: base, y2: base, stroke: "#555"});
  add("text", {x: 0, y: y(top) + 4, "font-size": 10}, ADMIN.mmss(top));
  return svg;
}

function show(result) {
  $("summary").textContent = "Повторов: " + result.seeds + ", вызовов: " + result.calls +
    ", среднее ожидание " + wait(result.mean_wait_s) + ", 90% ждали не дольше " + wait(result.p90_wait_s) +
    ", в пределах норматива " + share(result.within_share) + ", превышений за день " + result.breaches_per_day +
    ", не обслужено за день " + result.unserved_per_day + ". Расчёт занял " + result.seconds.toFixed(1) + " с." +
    (result.stopped_early ? " Расчёт остановлен по времени: учтены не все повторы." : "");
  const rows = result.hours.filter(h => h.arrivals > 0 || h.calls > 0 || h.windows > 0).map(h => MFCQ.el("tr", {"data-hour": h.hour},
    ...[String(h.hour).padStart(2, "0") + ":00", h.windows, h.arrivals, h.calls, wait(h.mean_wait_s), wait(h.p90_wait_s),
      share(h.within_share), h.breaches_per_day, wait(h.erlang_mean_wait_s), wait(h.erlang_p90_wait_s),
      share(h.erlang_within_share)].map(v => MFCQ.el("td", {}, String(v)))));
  $("result-table").tBodies[0].replaceChildren(...rows);
  $("chart").replaceChildren(chart(result.hours));
  $("result").hidden = false;
}

async function run(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = {
    office: OFFICE,
    windows: HOURS.map(h => Number(form.get("w" + h))),
    arrivals: HOURS.map(h => Number(form.get("a" + h))),
    seeds: Number(form.get("seeds")),
  };
  $("error").textContent = "";
  $("result").hidden = true;
  $("run").disabled = true;
  $("status").hidden = false;
  $("progress").value = 0;
  try {
    const response = await fetch("/api/v1/reports/whatif", {
      method: "POST", cache: "no-store", body: JSON.stringify(body),
      headers: {"Content-Type": "application/json", Authorization: "Bearer " + MFCQ.token()},
    });
    if (!response.ok) {
      let message = "Ошибка " + response.status;
      try { message = (await response.json()).error.message; } catch (e) { /* keep the status */ }
      throw new Error(message);
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const {value, done} = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, {stream: true});
      let end;
      while ((end = buffer.indexOf("\n")) >= 0) {
        const message = JSON.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 1);
        if (message.type === "progress") {
          $("progress").value = message.done;
          $("progress-text").textContent = "идёт расчёт… " + Math.round(100 * message.done) + "%";
        } else if (message.type === "result") {
          show(message);
        } else if (message.type === "error") {
          throw new Error(message.message);
        }
      }
    }
  } catch (err) {
    $("error").textContent = err.message;
  } finally {
    $("run").disabled = false;
    $("status").hidden = true;
  }
}

if (ADMIN.requireLogin()) {
  MFCQ.api("GET", "/reports/whatif/defaults?" + new URLSearchParams({office: OFFICE}))
    .then(inputs)
    .catch(err => { $("error").textContent = err.message; });
  $("whatif").addEventListener("submit", run);
}
