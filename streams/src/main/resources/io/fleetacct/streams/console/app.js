// fleetacct web console: reads only the query API v1 of the server that serves it. No build step.
// State lives in the location hash (#dim=cgroups&kind=cpu&rank=total&range=60&key=...; last=90m for
// any other range), so a view can be linked.
"use strict";

const REFRESH_MS = 10000;
const TOP_LIMIT = 20;
const STALE_MS = 60000; // three missed heartbeats at the agent's default 10 s, and then some
const KINDS = { cpu: "CPU", blkio: "block IO", swapin: "swap-in", freepages: "memory reclaim",
  thrashing: "thrashing", compact: "compaction", wpcopy: "write-protect copy", irq: "IRQ" };
const DIMS = { cgroups: "cgroups", commands: "commands", hosts: "hosts" };

// What the top ranks by: the kind's total delay, or the p99 over exits of each exit's wait per event.
const RANKS = { total: "total delay", p99: "p99 wait per event" };
const state = { dim: "cgroups", kind: "cpu", rank: "total", range: 60, key: null };
// Hosts whose agents report delay accounting off: they collect CPU delays only (from loadAgents).
let noDelayacct = [];

// ---- units ----
function fmtNs(ns) {
  if (!isFinite(ns) || ns <= 0) return "0";
  const units = [[3600e9, "h"], [60e9, "min"], [1e9, "s"], [1e6, "ms"], [1e3, "µs"]];
  for (const [size, unit] of units) {
    if (ns >= size) return (ns / size).toFixed(ns / size >= 100 ? 0 : 1) + " " + unit;
  }
  return Math.round(ns) + " ns";
}
function fmtBytes(b) {
  const units = [[1024 ** 4, "TiB"], [1024 ** 3, "GiB"], [1024 ** 2, "MiB"], [1024, "KiB"]];
  for (const [size, unit] of units) {
    if (b >= size) return (b / size).toFixed(1) + " " + unit;
  }
  return b + " B";
}
function fmtCount(n) { return Number(n).toLocaleString("en-US"); }
function fmtAge(ms) {
  if (ms < 0) ms = 0;
  if (ms < 60000) return Math.round(ms / 1000) + " s ago";
  if (ms < 3600000) return Math.round(ms / 60000) + " min ago";
  return Math.round(ms / 3600000) + " h ago";
}

// ---- state in the hash ----
function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  if (DIMS[p.get("dim")]) state.dim = p.get("dim");
  if (KINDS[p.get("kind")]) state.kind = p.get("kind");
  if (RANKS[p.get("rank")]) state.rank = p.get("rank");
  const r = parseInt(p.get("range"), 10);
  if ([15, 60, 360, 1440].includes(r)) state.range = r;
  // last=90m, 1h30m, 2d: as the API takes it; any range from 1 minute to the 7 days kept.
  const last = minutesOf(p.get("last") || "");
  if (last >= 1 && last <= 7 * 1440) state.range = Math.round(last);
  state.key = p.get("key");
}
// A duration as the API writes it (90s, 15m, 1h30m, 2d) in minutes; NaN if it is not one.
function minutesOf(d) {
  if (!/^(?:\d{1,6}[smhd])+$/.test(d)) return NaN;
  const unit = { s: 1 / 60, m: 1, h: 60, d: 1440 };
  return d.match(/\d+[smhd]/g).reduce((t, part) => t + parseInt(part, 10) * unit[part.slice(-1)], 0);
}
function writeHash() {
  const p = new URLSearchParams({ dim: state.dim, kind: state.kind, rank: state.rank, range: String(state.range) });
  if (state.key !== null) p.set("key", state.key);
  history.replaceState(null, "", "#" + p.toString());
}

// ---- API ----
async function api(path) {
  const r = await fetch(path, { headers: { Accept: "application/json" } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || r.status + " " + r.statusText);
  return body;
}
function rangeQuery(from, to) {
  return "from=" + encodeURIComponent(from.toISOString()) + "&to=" + encodeURIComponent(to.toISOString());
}
// A key's endpoint (series, quantiles) with its query string begun.
function keyPath(dim, key, what) {
  if (dim === "cgroups") return "/v1/cgroups/" + what + "?path=" + encodeURIComponent(key) + "&";
  return "/v1/" + dim + "/" + encodeURIComponent(key) + "/" + what + "?";
}
function seriesPath(dim, key, from, to) {
  return keyPath(dim, key, "series") + rangeQuery(from, to);
}
// The ranking's by=: the kind's total, or the p99 of its wait per event.
function rankBy() {
  return state.rank === "p99" ? "p99(" + state.kind + "_delay_avg)" : state.kind + "_delay_total";
}
// The chosen range, ending now; one per refresh, so the table, the charts and the drill-down agree.
function currentRange() {
  const to = new Date();
  return { from: new Date(to.getTime() - state.range * 60000), to };
}

// ---- DOM helpers ----
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
function svg(tag, attrs, text) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// ---- ranked tables: the top keys, and the drill-downs ----
// Rows of a ranking (API answer) into a table body: key, what it ranks by with a bar (the total
// delay or the p99), events, average, exits.
function fillRanking(tbody, rows, total, count, onChoose) {
  const barOf = r => state.rank === "p99" ? r[rankBy()] : r[total];
  const max = Math.max(1, ...rows.map(r => barOf(r) || 0));
  tbody.replaceChildren(...rows.map(r => {
    const events = r[count], bar = barOf(r);
    const fill = el("span", { class: "fill" });
    fill.style.width = (100 * (bar || 0) / max).toFixed(1) + "%"; // CSSOM: allowed by the page's CSP
    const tr = el("tr", { "data-key": r.key, tabindex: "0" },
      el("td", { class: "key", title: r.key }, r.key),
      el("td", {}, el("span", { class: "bar" }, fill, el("span", { class: "val" }, bar == null ? "-" : fmtNs(bar)))),
      el("td", { class: "num mid" }, fmtCount(events)),
      el("td", { class: "num" }, events > 0 ? fmtNs(r[total] / events) : "-"),
      el("td", { class: "num wide" }, fmtCount(r.exits)));
    if (onChoose) {
      tr.addEventListener("click", () => onChoose(r.key));
      tr.addEventListener("keydown", ev => { if (ev.key === "Enter") onChoose(r.key); });
    }
    return tr;
  }));
}

// Whether a ranged answer holds everything the fleet will send for its range, and who it waits for.
// Hosts whose records are at most a minute behind are the latest minute still arriving, not trouble.
function showCompleteness(p, answer) {
  if (answer.complete !== false) { p.textContent = ""; p.className = "note"; return; }
  if (answer.completeness_unknown) {
    p.className = "note warn";
    p.textContent = "Not known to be complete: " + answer.completeness_unknown + ".";
    return;
  }
  const now = Date.now();
  const late = answer.behind.filter(b => b.delivered_until === null || now - Date.parse(b.delivered_until) > 60000);
  if (late.length === 0) {
    p.className = "note";
    p.textContent = "The latest minute is still arriving.";
    return;
  }
  const names = late.map(b => b.host + (b.delivered_until === null ? " (no watermark)"
    : " (delivered up to " + new Date(b.delivered_until).toLocaleTimeString() + ")"));
  p.className = "note warn";
  p.textContent = "Incomplete: still waiting for " + names.join(", ")
    + (answer.behind_more > 0 ? " and " + answer.behind_more + " more hosts" : "") + ".";
}

async function loadTop(range) {
  const total = state.kind + "_delay_total", count = state.kind + "_count";
  const tbody = document.querySelector("#top tbody");
  const note = document.getElementById("top-note");
  let rows;
  try {
    const answer = await api("/v1/" + state.dim + "/top?by=" + encodeURIComponent(rankBy()) + "&limit=" + TOP_LIMIT
      + "&" + rangeQuery(range.from, range.to));
    rows = answer.rows;
    showCompleteness(document.getElementById("top-complete"), answer);
    note.textContent = "";
  } catch (e) {
    note.textContent = "cannot load the top " + state.dim + ": " + e.message;
    return [];
  }
  // The title says what the rows are: it changes with them, not before they come.
  document.getElementById("top-title").textContent = "Top " + DIMS[state.dim] + " by " + KINDS[state.kind] + " "
    + (state.rank === "p99" ? "p99 wait per event" : "delay") + ", last " + labelRange(state.range);
  document.getElementById("top-bar").textContent = RANKS[state.rank];
  fillRanking(tbody, rows, total, count, key => { state.key = key; writeHash(); refresh(); });
  for (const tr of tbody.rows) tr.classList.toggle("selected", tr.dataset.key === state.key);
  if (rows.length === 0) note.textContent = "nothing counted in the last " + labelRange(state.range);
  return rows;
}

// ---- charts: axes in steps people read ----
// A chart's time of day (a Date or epoch ms), to the minute.
const time = d => new Date(d).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
// Steps of a delay axis, in ns: 1, 2, 5 times a power of ten below a second, then the clock's.
const NS_STEPS = [...[1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8].flatMap(p => [p, 2 * p, 5 * p]),
  ...[1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map(s => s * 1e9)];
// The y axis's ticks: about four readable steps up to max; the last is the top.
function niceTicks(max) {
  const raw = max / 4;
  const step = NS_STEPS.find(s => s >= raw) || Math.pow(10, Math.ceil(Math.log10(raw)));
  const ticks = [];
  for (let v = step; ticks.length < 10; v += step) { ticks.push(v); if (v >= max) break; }
  return ticks;
}
// Time ticks on whole minutes of a readable step, at most six over the range.
function timeTicks(from, to) {
  const step = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440].map(m => m * 60000)
    .find(s => (to - from) / s <= 6) || 1440 * 60000;
  const ticks = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
  return ticks;
}
// Axes, grid and labels of a chart of geometry g over [from, to]; returns the value at the top.
function drawAxes(s, g, max, from, to) {
  const ticks = niceTicks(max), top = ticks[ticks.length - 1];
  const y = v => g.H - g.B - (g.H - g.B - g.T) * v / top;
  s.append(svg("line", { class: "axis", x1: g.L, y1: g.H - g.B, x2: g.W - g.R, y2: g.H - g.B }));
  s.append(svg("line", { class: "axis", x1: g.L, y1: g.T, x2: g.L, y2: g.H - g.B }));
  s.append(svg("text", { class: "tick y", x: g.L - 6, y: g.H - g.B, "text-anchor": "end" }, "0"));
  for (const v of ticks) {
    s.append(svg("line", { class: "grid", x1: g.L, y1: y(v).toFixed(1), x2: g.W - g.R, y2: y(v).toFixed(1) }));
    s.append(svg("text", { class: "tick y", x: g.L - 6, y: (y(v) + 4).toFixed(1), "text-anchor": "end" }, fmtNs(v)));
  }
  for (const t of timeTicks(from, to)) {
    const x = g.L + (g.W - g.L - g.R) * (t - from) / (to - from);
    s.append(svg("text", { class: "tick x", x: x.toFixed(1), y: g.H - 8, "text-anchor": "middle" }, time(t)));
  }
  return top;
}
// What a chart without any delay of the chosen kind says instead of an empty axis.
function nothingToDraw(s, g, rangeHasData) {
  const kind = KINDS[state.kind];
  const text = !rangeHasData ? "no exits in this range"
    : state.kind !== "cpu" && noDelayacct.length > 0
      ? "no " + kind + " delay: delay accounting is off on " + noDelayacct.join(", ") + " (CPU delays only)"
      : "no " + kind + " delay in this range";
  s.append(svg("text", { class: "empty", x: g.W / 2, y: g.H / 2, "text-anchor": "middle" }, text));
}

// ---- stacked chart: the top keys over the range ----
const STACK_KEYS = 5;
const COLORS = ["#3b7dd8", "#e8833a", "#4aa564", "#b05cc6", "#c9a227"];
// Bars of 1 minute up to 1 h, then wider, so that a range has at most ~100 bars.
function binMinutes(rangeMinutes) {
  for (const m of [1, 5, 10, 15, 30, 60]) if (rangeMinutes / m <= 100) return m;
  return 60;
}
async function loadStack(rows, range) {
  const chart = document.getElementById("stack");
  const total = state.kind + "_delay_total";
  const keys = rows.slice(0, STACK_KEYS).map(r => r.key);
  document.getElementById("stack-title").textContent = "Top " + keys.length + " " + DIMS[state.dim] + ": "
    + KINDS[state.kind] + " delay over the last " + labelRange(state.range);
  let series;
  try {
    series = await Promise.all(keys.map(k => api(seriesPath(state.dim, k, range.from, range.to))));
  } catch (e) {
    chart.replaceChildren(el("p", { class: "note" }, "cannot load the series: " + e.message));
    return;
  }
  const bin = binMinutes(state.range) * 60000;
  const start = Math.floor(range.from / bin) * bin;
  const slots = Math.ceil((range.to - start) / bin);
  // sums[k][slot]: delay of key k in that bar
  const sums = series.map(s => {
    const a = new Array(slots).fill(0);
    for (const w of s.windows || []) {
      const i = Math.floor((Date.parse(w.start) - start) / bin);
      if (i >= 0 && i < slots) a[i] += w[total];
    }
    return a;
  });
  const heights = Array.from({ length: slots }, (_, i) => sums.reduce((t, a) => t + a[i], 0));
  const max = Math.max(0, ...heights);
  const g = { W: 720, H: 220, L: 64, B: 28, T: 10, R: 8 };
  const { W, H, L, B, T, R } = g;
  const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, "aria-label": "delay of the top keys over time" });
  const note = el("p", { id: "stack-note", class: "note" });
  if (max === 0) {
    nothingToDraw(s, g, keys.length > 0);
    chart.replaceChildren(s, note);
    return;
  }
  const top = drawAxes(s, g, max, start, start + slots * bin);
  const slotW = (W - L - R) / slots;
  // One spike must not hide the rest: every delay is at least 2 px high, and the note says so.
  const nonZero = heights.filter(h => h > 0).sort((a, b) => a - b);
  const median = nonZero[Math.floor(nonZero.length / 2)];
  if (nonZero.length > 1 && max > 20 * median) {
    const at = heights.indexOf(max);
    note.textContent = "The bar at " + time(new Date(start + at * bin)) + " (" + fmtNs(max) + ") is "
      + Math.round(max / median) + " times the median bar (" + fmtNs(median) + "): every delay is drawn at least"
      + " 2 px high; hover over a bar for its value.";
  }
  for (let i = 0; i < slots; i++) {
    let y = H - B;
    sums.forEach((a, k) => {
      if (a[i] <= 0) return;
      const h = Math.max(2, (H - B - T) * a[i] / top);
      y -= h;
      const r = svg("rect", { class: "s", x: (L + i * slotW).toFixed(1), y: y.toFixed(1),
        width: Math.max(1, slotW - 1).toFixed(1), height: h.toFixed(1), fill: COLORS[k],
        "data-key": keys[k] });
      r.append(svg("title", {}, keys[k] + ", " + time(new Date(start + i * bin)) + ": " + fmtNs(a[i])));
      s.append(r);
    });
  }
  const legend = el("ul", { class: "legend" }, ...keys.map((k, i) => {
    const swatch = el("span", { class: "swatch" });
    swatch.style.background = COLORS[i];
    return el("li", { "data-key": k }, swatch, k);
  }));
  chart.replaceChildren(s, legend, note);
}

// ---- drill-down: the hosts of a cgroup, the cgroups of a host, the threads of a command ----
const DRILLS = {
  cgroups: { rows: "hosts", title: "Hosts of ", header: "host",
    path: key => "/v1/cgroups/hosts?path=" + encodeURIComponent(key) + "&" },
  hosts: { rows: "cgroups", title: "Cgroups of ", header: "cgroup",
    path: key => "/v1/hosts/" + encodeURIComponent(key) + "/cgroups/top?" },
  commands: { rows: null, title: "Threads of ", header: "thread (numbers folded)",
    path: key => "/v1/commands/" + encodeURIComponent(key) + "/threads/top?" },
};

async function loadDrill(range) {
  const section = document.getElementById("drill");
  const drill = DRILLS[state.dim];
  if (state.key === null || drill === undefined) { section.hidden = true; return; }
  section.hidden = false;
  const total = state.kind + "_delay_total", count = state.kind + "_count";
  const tbody = document.querySelector("#drill-table tbody");
  const note = document.getElementById("drill-note");
  let rows = [];
  try {
    rows = (await api(drill.path(state.key) + "by=" + encodeURIComponent(rankBy()) + "&limit=" + TOP_LIMIT + "&"
      + rangeQuery(range.from, range.to))).rows;
    note.textContent = rows.length === 0 ? "nothing in this range" : "";
  } catch (e) {
    note.textContent = "cannot load the " + (drill.rows || "threads") + ": " + e.message;
  }
  // Title, header and rows change together: never another key's rows under this title.
  document.getElementById("drill-title").textContent = drill.title + state.key + ", last " + labelRange(state.range);
  document.getElementById("drill-key").textContent = drill.header;
  document.getElementById("drill-bar").textContent = RANKS[state.rank];
  // A host or cgroup row opens that host or cgroup in its own view; threads have no view of their own.
  fillRanking(tbody, rows, total, count,
    drill.rows === null ? null : key => { state.dim = drill.rows; state.key = key; writeHash(); refresh(); });
}

// ---- detail: series chart and facts ----
async function loadDetail(range) {
  const section = document.getElementById("detail");
  if (state.key === null) { section.hidden = true; return; }
  section.hidden = false;
  const total = state.kind + "_delay_total", count = state.kind + "_count";
  document.getElementById("detail-title").textContent =
    state.key + ": " + KINDS[state.kind] + " delay per minute, last " + labelRange(state.range);
  const { from, to } = range;
  const chart = document.getElementById("chart");
  let series;
  try {
    series = await api(seriesPath(state.dim, state.key, from, to));
  } catch (e) {
    chart.replaceChildren(el("p", { class: "note" }, "no series for " + state.key + ": " + e.message));
    return;
  }
  drawChart(chart, series.windows || [], from, to, total, count);
  drawFacts(series.windows || [], total, count);
  await loadQuantiles(range);
}

// ---- quantiles: the selected key's p50, p90, p99 of wait per event over the range ----
const QUANTILES = ["0.5", "0.9", "0.99"];
async function loadQuantiles(range) {
  const of = state.kind + "_delay_avg";
  const box = document.getElementById("quantiles");
  document.getElementById("quantiles-title").textContent = KINDS[state.kind]
    + " wait per event over exits, last " + labelRange(state.range);
  let answer;
  try {
    answer = await api(keyPath(state.dim, state.key, "quantiles") + "of=" + of + "&q=" + QUANTILES.join(",")
      + "&" + rangeQuery(range.from, range.to));
  } catch (e) {
    box.replaceChildren(el("p", { class: "note" }, "cannot load the quantiles: " + e.message));
    return;
  }
  const values = QUANTILES.map(q => answer.quantiles[q]);
  const max = Math.max(0, ...values.filter(v => v != null));
  const g = { W: 720, H: 96, L: 64, R: 120, row: 28 };
  const s = svg("svg", { viewBox: `0 0 ${g.W} ${g.H}`, "aria-label": "p50, p90 and p99 of wait per event" });
  if (answer.count === 0 || max === 0) {
    s.append(svg("text", { class: "empty", x: g.W / 2, y: g.H / 2, "text-anchor": "middle" },
      answer.count === 0 ? "no exit with a " + KINDS[state.kind] + " event in this range" : "no wait: every event took 0 ns"));
    box.replaceChildren(s);
    return;
  }
  QUANTILES.forEach((q, i) => {
    const y = 6 + i * g.row, w = (g.W - g.L - g.R) * (values[i] || 0) / max;
    const label = "p" + String(Math.round(Number(q) * 100));
    s.append(svg("text", { class: "tick y", x: g.L - 6, y: y + 16, "text-anchor": "end" }, label));
    const bar = svg("rect", { class: "q", x: g.L, y, width: Math.max(w, 1).toFixed(1), height: g.row - 8,
      "data-q": label });
    bar.append(svg("title", {}, label + ": " + fmtNs(values[i])));
    s.append(bar);
    s.append(svg("text", { class: "qval", x: (g.L + w + 6).toFixed(1), y: y + 16, "data-q": label,
      "data-ns": String(values[i]) }, fmtNs(values[i])));
  });
  const note = el("p", { class: "note", id: "quantiles-note" }, "over " + fmtCount(answer.count) + " of "
    + fmtCount(answer.exits) + " exits (those with a " + KINDS[state.kind] + " event); within 1%");
  box.replaceChildren(s, note);
}
function labelRange(minutes) {
  if (minutes < 60) return minutes + " min";
  return Math.floor(minutes / 60) + " h" + (minutes % 60 ? " " + (minutes % 60) + " min" : "");
}

function drawChart(chart, windows, from, to, total, count) {
  const g = { W: 720, H: 260, L: 64, B: 28, T: 10, R: 8 };
  const { W, H, B, T, L, R } = g;
  const span = to - from;
  const max = Math.max(0, ...windows.map(w => w[total]));
  const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, "aria-label": "delay per minute" });
  if (max === 0) {
    nothingToDraw(s, g, windows.length > 0);
    chart.replaceChildren(s);
    return;
  }
  const top = drawAxes(s, g, max, from, to);
  const slot = Math.max(2, (W - L - R) * 60000 / span - 1);
  for (const w of windows) {
    const start = new Date(w.start);
    const x = L + (W - L - R) * (start - from) / span;
    if (x < L || x > W - R) continue;
    const h = (H - B - T) * w[total] / top;
    const bar = svg("rect", { class: "b", x: x.toFixed(1), y: (H - B - h).toFixed(1), width: slot.toFixed(1),
      height: Math.max(h, 0.5).toFixed(1), "data-start": w.start });
    bar.append(svg("title", {}, time(start) + ": " + fmtNs(w[total]) + " over " + fmtCount(w[count])
      + " events, " + fmtCount(w.exits) + " exits"));
    s.append(bar);
  }
  chart.replaceChildren(s);
}

function drawFacts(windows, total, count) {
  const sum = f => windows.reduce((a, w) => a + (w[f] || 0), 0);
  const max = f => windows.reduce((a, w) => Math.max(a, w[f] || 0), 0);
  const delay = sum(total), events = sum(count);
  const facts = [
    ["delay in range", fmtNs(delay)],
    ["events", fmtCount(events)],
    ["avg / event", events > 0 ? fmtNs(delay / events) : "-"],
    ["longest single delay", fmtNs(max(state.kind + "_delay_max"))],
    ["exits (threads)", fmtCount(sum("exits"))],
    ["processes", fmtCount(sum("processes"))],
    ["CPU time (user + system)", fmtNs((sum("ac_utime") + sum("ac_stime")) * 1000)],
    ["read from storage", fmtBytes(sum("read_bytes"))],
    ["written to storage", fmtBytes(sum("write_bytes"))],
    ["peak RSS of one task", fmtBytes(max("hiwater_rss") * 1024)],
  ];
  document.getElementById("detail-facts").replaceChildren(...facts.map(([k, v]) =>
    el("div", {}, el("dt", {}, k), el("dd", {}, v))));
}

// ---- agent health ----
// The broker's clock less the host's: positive when the host's clock is behind.
function fmtClock(ms) {
  const s = Math.abs(ms) / 1000;
  const text = s < 1 ? Math.abs(ms) + " ms" : s < 120 ? s.toFixed(1) + " s" : (s / 60).toFixed(1) + " min";
  return ms === 0 ? "in step" : text + (ms > 0 ? " behind" : " ahead");
}
async function loadAgents() {
  const tbody = document.querySelector("#agents tbody");
  let agents;
  try {
    agents = await api("/v1/agents");
  } catch (e) {
    tbody.replaceChildren(el("tr", {}, el("td", { colspan: "10" }, "cannot load agents: " + e.message)));
    return;
  }
  const now = Date.now();
  agents.sort((a, b) => a.host.localeCompare(b.host));
  tbody.replaceChildren(...agents.map(a => {
    const age = now - Date.parse(a.last_seen);
    const stopped = a.stopped_at != null; // its last status said so: not a problem, not stale
    const stale = !stopped && age > STALE_MS;
    const drops = (a.kernel_overflow_events || 0) + (a.kernel_sequence_gaps || 0);
    // Records more than a minute old still on their way; a clock a minute or more off the broker's.
    const behind = !stopped && a.delivered_until != null && now - Date.parse(a.delivered_until) > 60000;
    const skewed = a.clock_offset_ms != null && Math.abs(a.clock_offset_ms) >= 60000;
    const outside = (a.outside_windows_too_old || 0) + (a.outside_windows_ahead || 0);
    const flag = (bad, text, cls = "") => el("td", { class: "num" + (bad ? " flag" : "") + cls }, text);
    const tr = el("tr", { "data-host": a.host },
      el("td", {}, a.host),
      el("td", { class: stale ? "flag" : "" }, fmtAge(age) + (stopped ? " (stopped)" : stale ? " (stale)" : "")),
      flag(a.sequence_gaps > 0, fmtCount(a.sequence_gaps)),
      flag(drops > 0, fmtCount(drops)),
      flag(a.dropped > 0, fmtCount(a.dropped), " mid"),
      el("td", { class: "num wide" }, fmtCount(a.spooled_records) + " / " + fmtBytes(a.spooled_bytes || 0)),
      el("td", { class: "wide" }, a.delayacct_enabled ? "on" : "off (CPU delays only)"),
      flag(behind, a.delivered_until == null ? "-" : fmtAge(now - Date.parse(a.delivered_until)), " wide"),
      flag(skewed, a.clock_offset_ms == null ? "-" : fmtClock(a.clock_offset_ms), " wide"),
      flag(outside > 0, fmtCount(outside), " wide"));
    if (stale || behind || skewed || outside > 0 || a.sequence_gaps > 0 || drops > 0 || a.dropped > 0
        || a.decode_errors > 0) {
      tr.classList.add("problem");
    }
    return tr;
  }));
  // Not trouble but a limit: said once, under the table, not as a colour on a healthy row.
  noDelayacct = agents.filter(a => !a.delayacct_enabled).map(a => a.host);
  document.getElementById("agents-note").textContent = noDelayacct.length === 0 ? ""
    : "Delay accounting is off on " + noDelayacct.join(", ") + ": only CPU delays are collected there (turn it on"
      + " with sysctl kernel.task_delayacct=1, or the agent's --enable-delayacct).";
}

// ---- wiring ----
// One refresh at a time; a change asked for meanwhile (a click, a new range) runs right after it.
let refreshing = false, again = false;
async function refresh() {
  if (refreshing) { again = true; return; }
  refreshing = true;
  try {
    for (const b of document.querySelectorAll("#dims button")) {
      b.setAttribute("aria-pressed", String(b.dataset.dim === state.dim));
    }
    document.getElementById("kind").value = state.kind;
    document.getElementById("rank").value = state.rank;
    const select = document.getElementById("range");
    if (![...select.options].some(o => o.value === String(state.range))) {
      select.append(el("option", { value: String(state.range) }, labelRange(state.range)));  // from last= in the URL
    }
    select.value = String(state.range);
    const range = currentRange();
    await loadAgents(); // first: the charts say which hosts collect CPU delays only
    const [rows] = await Promise.all([loadTop(range), loadDetail(range), loadDrill(range)]);
    await loadStack(rows, range);
    document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
    document.body.dataset.loaded = "true";
  } finally {
    refreshing = false;
  }
  if (again) { again = false; refresh(); }
}

readHash();
for (const b of document.querySelectorAll("#dims button")) {
  b.addEventListener("click", () => { state.dim = b.dataset.dim; state.key = null; writeHash(); refresh(); });
}
document.getElementById("kind").addEventListener("change", e => { state.kind = e.target.value; writeHash(); refresh(); });
document.getElementById("rank").addEventListener("change", e => { state.rank = e.target.value; writeHash(); refresh(); });
document.getElementById("range").addEventListener("change", e => { state.range = +e.target.value; writeHash(); refresh(); });
window.addEventListener("hashchange", () => { readHash(); refresh(); });
setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
refresh();
