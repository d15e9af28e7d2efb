// The distlog viewer: a task list and a foldable task tree, the central level rules and the connected components,
// fed only by the JSON API of distlogd (/api/tasks, /api/tree/{id}, /api/live, /api/levels, /api/components).
// Plain JavaScript; nothing is fetched from anywhere else.
"use strict";

const $ = (selector) => document.querySelector(selector);
const state = { traceUrl: null, tasks: [], pages: 1, taskSort: { key: "started", descending: true }, root: null, tree: null, collapsed: new Set(), selected: null, minLevel: 0, fresh: new Set(), scopes: new Map(), records: new Map() };

// A big tree comes with its subtasks folded: the API sends a folded scope's summary (its header and bar), not its
// records, and the page asks for one scope's records when it is unfolded. So a tree of 100,000 records opens at once,
// and unfolding costs what it shows, not what the tree holds.
const FOLD_ABOVE = 2000;

function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// One formatter for every time shown: toLocaleTimeString makes a new one each call, and was an eighth of the page's
// work while 1,000 records a second arrived.
const clock = new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
const stamp = new Intl.DateTimeFormat([], { dateStyle: "short", timeStyle: "medium", hour12: false });

function time(created) {
  const d = new Date(created * 1000);
  return clock.format(d) + "." + String(d.getMilliseconds()).padStart(3, "0");
}

function duration(ms) {
  if (ms === undefined || ms === null) return "";
  if (ms < 1) return ms.toFixed(3) + " ms";
  if (ms < 1000) return ms.toFixed(1) + " ms";
  if (ms < 60000) return (ms / 1000).toFixed(2) + " s";
  return new Date(ms).toISOString().substring(11, 19);
}

function filters() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData($("#filters"))) {
    if (String(value).trim() !== "") params.append(name, String(value).trim());
  }
  return params;
}

async function getJson(url, init) {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error((await response.json().catch(() => ({}))).error || response.statusText);
  return response.json();
}

function postJson(url, body) {
  return getJson(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

// ---- the task list ---------------------------------------------------------------------------------------------

const TASK_PAGE = 100;

// The newest tasks; the live refresh keeps the older pages already shown.
async function loadTasks() {
  const params = filters();
  params.set("limit", String(TASK_PAGE));
  let tasks;
  try {
    ({ tasks } = await getJson("/api/tasks?" + params));
    $("#filters-error").textContent = "";
  } catch (error) {
    // A filter the API cannot read (a 400 says which): said next to the filters, the list left as it was.
    $("#filters-error").textContent = error.message;
    return;
  }

  const older = state.pages > 1 ? state.tasks.filter((t) => !tasks.some((n) => n.rootId === t.rootId)) : [];
  state.tasks = tasks.concat(older);
  if (state.pages <= 1) $("#tasks-more").hidden = tasks.length < TASK_PAGE;
  renderTasks();
}

// The next page: tasks whose newest matching record is older than every task's newest record listed so far (a
// microsecond over, in seconds as records say it, so a task at that very time comes again and is taken once).
$("#tasks-more").addEventListener("click", async () => {
  const params = filters();
  params.set("limit", String(TASK_PAGE));
  const oldest = Math.min(...state.tasks.map((t) => t.last));
  params.set("to", String(oldest + 1e-6));
  let tasks;
  try {
    ({ tasks } = await getJson("/api/tasks?" + params));
  } catch (error) {
    $("#filters-error").textContent = error.message;
    return;
  }
  const known = new Set(state.tasks.map((t) => t.rootId));
  state.tasks = state.tasks.concat(tasks.filter((t) => !known.has(t.rootId)));
  state.pages++;
  $("#tasks-more").hidden = tasks.length < TASK_PAGE;
  renderTasks();
});

// The list as last fetched, in the order of the column chosen (newest first until one is clicked).
function renderTasks() {
  const tasks = [...state.tasks];
  const { key, descending } = state.taskSort;
  const value = (t) => key === "problems" ? t.errors * 1e6 + t.warnings : key === "services" ? t.services.join(", ") : t[key] ?? -1;
  tasks.sort((a, b) => {
    const x = value(a), y = value(b);
    return (x < y ? -1 : x > y ? 1 : 0) * (descending ? -1 : 1);
  });
  const longest = Math.max(1, ...tasks.map((t) => t.elapsedMs ?? 0));
  $("#tasks tbody").innerHTML = tasks.map((t) => {
    const started = new Date(t.started * 1000);
    const problems = (t.errors ? `<span class="count errors" title="${t.errors} error${t.errors === 1 ? "" : "s"}">${t.errors}</span>` : "") +
      (t.warnings ? `<span class="count warnings" title="${t.warnings} warning${t.warnings === 1 ? "" : "s"}">${t.warnings}</span>` : "");
    return `
    <tr class="task${t.rootId === state.root ? " selected" : ""}" data-root="${esc(t.rootId)}">
      <td class="status-cell"><span class="status ${esc(t.status.replaceAll(" ", "-"))}">${esc(t.status)}</span></td>
      <td class="problems">${problems}</td>
      <td class="task-title" title="${esc(t.title)}">${esc(t.title)}</td>
      <td title="${esc(duration(t.elapsedMs))}">${esc(duration(t.elapsedMs))}${t.elapsedMs !== undefined ? `<div class="duration-bar" style="width:${Math.max(2, 100 * t.elapsedMs / longest).toFixed(1)}%"></div>` : ""}</td>
      <td title="${esc(stamp.format(started))}">${esc(clock.format(started))}</td>
      <td title="${esc(t.services.join(", "))}">${esc(t.services.join(", "))}</td>
    </tr>`;
  }).join("");
  $("#tasks-empty").hidden = tasks.length > 0;
}

$("#tasks thead").addEventListener("click", (event) => {
  const th = event.target.closest("th[data-sort]");
  if (!th) return;
  const key = th.dataset.sort;
  state.taskSort = { key, descending: state.taskSort.key === key ? !state.taskSort.descending : key !== "title" };
  document.querySelectorAll("#tasks th").forEach((h) => h.classList.toggle("sorted", h === th));
  th.classList.toggle("descending", state.taskSort.descending);
  renderTasks();
});

$("#tasks tbody").addEventListener("click", (event) => {
  const row = event.target.closest("tr.task");
  if (row) openTask(row.dataset.root);
});

$("#filters").addEventListener("submit", (event) => {
  event.preventDefault();
  state.pages = 1;
  setAddress();
  loadTasks();
});

// The open task and the query live in the address (#task=ID&q=QUERY), so a view can be kept and passed on.
function setAddress() {
  const params = new URLSearchParams();
  if (state.root) params.set("task", state.root);
  const query = $("#query").value.trim();
  if (query) params.set("q", query);
  history.replaceState(null, "", "#" + params.toString().replaceAll("+", "%20"));
}

// ---- the tree --------------------------------------------------------------------------------------------------

async function openTask(root) {
  if (root !== state.root) {
    state.collapsed.clear();
    state.selected = null;
    state.fresh.clear();
  }
  state.root = root;
  setAddress();
  followTree(root);
  document.querySelectorAll("#tasks tr.task").forEach((row) => row.classList.toggle("selected", row.dataset.root === root));
  await loadTree();
}

// The viewer's settings (where trace ids link to), asked for once, beside the first tree.
const configured = getJson("/api/config").then((config) => { state.traceUrl = config.traceUrl; }, () => {
  // An older distlogd: trace ids are shown, not linked.
});

function treeUrl(root, params) {
  return "/api/tree/" + encodeURIComponent(root) + "?" + new URLSearchParams(params);
}

async function loadTree() {
  if (!state.root) return;
  try {
    [state.tree] = await Promise.all([getJson(treeUrl(state.root, { fold: FOLD_ABOVE })), configured]);
  } catch (error) {
    $("#tree").innerHTML = `<p class="empty">${esc(error.message)}</p>`;
    return;
  }
  renderTree();
}

function walk(scope, visit) {
  visit(scope);
  for (const item of scope.items) if (item.scope) walk(item.scope, visit);
}

// Takes scopes the API sent into what the page holds: a folded one is drawn folded until its records are asked for.
function hold(top) {
  walk(top, (scope) => {
    state.scopes.set(scope.id, scope);
    if (scope.folded) state.collapsed.add(scope.id);
    if (scope.enter) state.keys.add(scope.enter.key);
    for (const item of scope.items) if (item.record) state.keys.add(item.record.key);
  });
}

// A folded scope's records and subtasks (its subtasks folded in turn), asked for when it is unfolded; what came live
// for it meanwhile is then taken in too, once.
async function loadScope(scope) {
  const answer = await getJson(treeUrl(state.root, { scope: scope.id, fold: FOLD_ABOVE }));
  if (!scope.folded) return;
  const pending = scope.pending ?? [];
  delete scope.folded;
  delete scope.pending;
  scope.items = answer.root.items;
  for (const item of scope.items) {
    if (item.record) state.keys.add(item.record.key);
    if (item.scope) hold(item.scope);
  }
  const count = state.tree.recordCount; // counted when they came
  for (const r of pending) addToTree(r);
  state.tree.recordCount = count;
}

function renderTree() {
  const tree = state.tree;
  state.scopes.clear();
  state.records.clear();
  state.keys = new Set();
  hold(tree.root);
  state.axis = axisOf(tree.root);
  $("#tree-toolbar").hidden = false;
  $("#tree-info").textContent = `${tree.recordCount} records` + (tree.truncated ? " (truncated)" : "");
  $("#tree").innerHTML = scopeHtml(tree.root, true);
  applyLevel();
  state.fresh.clear();
}

// ---- the waterfall: every scope a bar on the root's time axis ---------------------------------------------------

// The axis: from the root's first record to the last moment anything in the tree is known to have run.
function axisOf(root) {
  let start = Infinity, end = -Infinity;
  walk(root, (scope) => {
    if (scope.start === undefined) return;
    start = Math.min(start, scope.start);
    end = Math.max(end, scope.start + (scope.elapsedMs ?? 0) / 1000, scope.last ?? -Infinity);
    for (const item of scope.items) if (item.record) end = Math.max(end, item.record.created);
  });
  return Number.isFinite(start) ? { start, span: Math.max(end - start, 1e-6) } : null;
}

// A scope's end: its start plus its duration; a running one runs until its last record (or subtask) so far.
function endOf(scope) {
  if (scope.elapsedMs !== undefined) return scope.start + scope.elapsedMs / 1000;
  if (scope.folded) return scope.last ?? scope.start;
  let end = scope.start;
  walk(scope, (s) => { for (const item of s.items) if (item.record) end = Math.max(end, item.record.created); });
  return end;
}

function percent(seconds) {
  return (100 * seconds / state.axis.span).toFixed(3) + "%";
}

// The scope's lane: the wait before it began (from its parent's start, for a piece another process ran: network or
// queue time), its bar coloured by status, and a tick per record at the record's time.
function laneHtml(scope, parent) {
  if (!state.axis || scope.start === undefined) return `<span class="lane"></span>`;
  const left = scope.start - state.axis.start;
  const width = endOf(scope) - scope.start;
  // One tick per record, but at most one per percent of the bar (the worst level there): a scope of thousands
  // of records draws at most a hundred ticks, not thousands of elements.
  // (A folded scope's ticks come from the API, by the same rule.)
  const slots = new Map(scope.ticks ?? []);
  for (const item of scope.items) {
    if (!item.record) continue;
    const slot = width > 0 ? Math.round(100 * (item.record.created - scope.start) / width) : 0;
    slots.set(slot, Math.max(slots.get(slot) ?? 0, item.record.level));
  }
  // Drawn as one SVG of two paths (errors apart), not an element a tick: a hundred lanes of a hundred ticks were
  // ten thousand boxes to paint again whenever the tree changed.
  const path = (keep) => [...slots].filter(([, level]) => keep(level)).map(([slot]) => `M${slot} 0V1`).join("");
  const ticks = slots.size === 0 ? "" : `<svg class="ticks" viewBox="0 0 100 1" preserveAspectRatio="none">` +
    `<path d="${path((level) => level < 40)}"/><path class="errors" d="${path((level) => level >= 40)}"/></svg>`;
  let wait = "";
  if (scope.imported && parent?.start !== undefined && scope.start > parent.start) {
    const waited = scope.start - parent.start;
    wait = `<span class="wait" style="left:${percent(parent.start - state.axis.start)};width:${percent(waited)}" title="${esc(duration(waited * 1000))} between the caller's subtask and this piece (network, queue)"></span>`;
  }
  return `<span class="lane" title="starts +${esc(duration(left * 1000))}, lasts ${esc(duration(width * 1000))}">${wait}` +
    `<span class="bar ${esc(scope.status)}" style="left:${percent(left)};width:${percent(width)}">${ticks}</span></span>`;
}

function scopeHtml(scope, isRoot, parent) {
  const pid = scope.enter?.record?.process;
  const where = isRoot || scope.imported
    ? scope.services.map((s) => esc(s)).join(", ") + " @ " + scope.hostnames.map((h) => esc(h)).join(", ") + (scope.imported && pid ? ` pid ${esc(pid)}` : "")
    : "";
  const header = `
    <div class="scope-header">
      <span class="toggle"></span>
      <span class="title">${scope.title !== null ? esc(scope.title) : "<i>(its opening record is missing)</i>"}</span>
      <span class="status ${esc(scope.status)}">${esc(scope.status)}</span>
      <span class="meta elapsed"${scope.status === "running" && scope.start !== undefined ? ` data-running-since="${scope.start}"` : ""}>${esc(duration(scope.elapsedMs))}</span>
      ${where ? `<span class="meta">${where}</span>` : ""}
      ${scope.imported ? '<span class="imported">imported</span>' : ""}
      ${(isRoot || scope.imported) && scope.traceId ? traceHtml(scope.traceId) : ""}
      ${laneHtml(scope, parent)}
    </div>`;
  const folded = state.collapsed.has(scope.id);
  const body = folded ? `<div class="scope-body" data-lazy="1"></div>` : `<div class="scope-body">${itemsHtml(scope)}</div>`;
  return `<div class="scope${folded ? " collapsed" : ""}" data-scope="${esc(scope.id)}" data-errors="${scope.hasErrors}">${header}${body}</div>`;
}

// A task's W3C trace id: a link to the tracing tool when distlogd has viewer_trace_url, else the id to copy.
function traceHtml(traceId) {
  const title = "W3C trace id: the OpenTelemetry trace of this task";
  const shown = `trace ${esc(traceId.substring(0, 8))}…`;
  if (!state.traceUrl) return `<span class="trace" title="${title}: ${esc(traceId)}">${shown}</span>`;
  const href = state.traceUrl.replace("{trace_id}", encodeURIComponent(traceId));
  return `<a class="trace" href="${esc(href)}" target="_blank" rel="noopener" title="${title}: ${esc(traceId)}">${shown}</a>`;
}

function itemsHtml(scope) {
  return scope.items.map((item) => {
    if (item.gap) {
      const g = item.gap;
      return `<div class="gap">⋯ ${g.missing} record${g.missing === 1 ? "" : "s"} missing here (seq ${g.after + 1}${g.missing > 1 ? "–" + (g.before - 1) : ""})</div>`;
    }
    if (item.record) return recordHtml(item.record);
    return scopeHtml(item.scope, false, scope);
  }).join("");
}

async function unfold(element) {
  const scope = state.scopes.get(element.dataset.scope);
  if (scope?.folded) {
    element.classList.add("loading");
    try {
      await loadScope(scope);
    } catch (error) {
      $("#tree-info").textContent = `could not read ${scope.id}: ${error.message}`;
      return;
    } finally {
      element.classList.remove("loading");
    }
  }
  element.classList.remove("collapsed");
  state.collapsed.delete(element.dataset.scope);
  const body = element.querySelector(":scope > .scope-body");
  if (body.dataset.lazy) {
    delete body.dataset.lazy;
    body.innerHTML = itemsHtml(scope);
    applyLevel();
  }
}

function recordHtml(r) {
  const classes = ["record", "level-" + r.level];
  if (state.selected === r.id) classes.push("selected");
  if (state.fresh.has(r.key)) classes.push("fresh");
  state.records.set(r.id, r);
  return `<div class="${classes.join(" ")}" data-record="${esc(r.id)}" data-level="${r.level}">
    <span class="time">${esc(time(r.created))}</span><span class="level">${esc(r.levelName)}</span><span class="logger">${esc(r.logger)}</span><span class="message">${esc(r.message)}</span></div>`;
}

function applyLevel() {
  const tree = $("#tree");
  if (state.minLevel === 0 && !tree.querySelector(".record.hidden-level")) return;
  tree.querySelectorAll(".record").forEach((el) => el.classList.toggle("hidden-level", Number(el.dataset.level) < state.minLevel));
}

$("#tree").addEventListener("click", (event) => {
  const header = event.target.closest(".scope-header");
  if (header) {
    const scope = header.parentElement;
    if (scope.classList.contains("collapsed")) {
      unfold(scope);
    } else {
      scope.classList.add("collapsed");
      state.collapsed.add(scope.dataset.scope);
    }
    return;
  }
  const record = event.target.closest(".record");
  if (record) showDetails(record.dataset.record, record);
});

// Folds every scope the rule says to (from the tree's data, so folded-away scopes count too), then draws again. When
// the rule opens a scope whose records the page does not hold, the whole tree is read first.
async function foldWhere(fold) {
  let folded = false;
  walk(state.tree.root, (scope) => { folded ||= scope.folded && !fold(scope); });
  if (folded) {
    $("#tree-info").textContent = "reading the whole tree…";
    state.tree = await getJson(treeUrl(state.root, {}));
  }
  state.collapsed.clear();
  walk(state.tree.root, (scope) => { if (fold(scope)) state.collapsed.add(scope.id); });
  renderTree();
}

$("#expand-all").addEventListener("click", () => foldWhere(() => false));
$("#collapse-all").addEventListener("click", () => foldWhere((scope) => scope.depth > 0));
$("#errors-only").addEventListener("click", () => foldWhere((scope) => !scope.hasErrors && scope.depth > 0));

// The critical path: from the root, the subtask that ended last, and within it the same, down to a scope whose own
// work ended it; what is on it is what the task's end waited for. The button marks it, or clears the marks.
async function criticalPath(root) {
  const path = [root];
  for (let scope = root; ;) {
    if (scope.folded) await loadScope(scope);
    const children = scope.items.filter((item) => item.scope && item.scope.start !== undefined).map((item) => item.scope);
    if (children.length === 0) return path;
    const last = children.reduce((a, b) => (endOf(b) > endOf(a) ? b : a));
    path.push(last);
    scope = last;
  }
}

$("#critical-path").addEventListener("click", async () => {
  const marked = document.querySelectorAll("#tree .scope.critical");
  if (marked.length > 0) {
    marked.forEach((el) => el.classList.remove("critical"));
    return;
  }
  for (const scope of await criticalPath(state.tree.root)) {
    const element = scopeElement(scope.id);
    if (element?.classList.contains("collapsed")) await unfold(element);
    element?.classList.add("critical");
  }
});
$("#tree-level").addEventListener("change", (event) => {
  state.minLevel = Number(event.target.value);
  applyLevel();
});

// ---- a record's details ----------------------------------------------------------------------------------------

// Fields shown first, in this order, and the names they go by; everything else follows under its own name.
const DETAIL_FIELDS = [
  ["created", "time"], ["levelname", "level"], ["name", "logger"], ["service", "service"], ["hostname", "host"],
  ["process", "pid"], ["processName", "process"], ["threadName", "thread"], ["message", "message"], ["msg", "template"],
];

function showDetails(id, element) {
  const r = state.records.get(id);
  if (!r) return;
  state.selected = id;
  document.querySelectorAll("#tree .record.selected").forEach((el) => el.classList.remove("selected"));
  element.classList.add("selected");
  $("#details-title").textContent = `${r.levelName} ${r.logger}: ${r.message}`;
  $("#details-json").textContent = JSON.stringify(r.record, null, 2);
  renderDetails(r);
  $("#details").hidden = false;
  document.body.classList.add("with-details");
}

function renderDetails(r) {
  const record = r.record;
  const showEmpty = $("#details-empty").checked;
  const rows = [];
  const row = (name, value) => {
    const empty = value === null || value === undefined || value === "";
    if (empty && !showEmpty) return;
    const text = empty ? "null" : typeof value === "object" ? JSON.stringify(value) : String(value);
    rows.push(`<tr class="${empty ? "empty" : ""}"><th>${esc(name)}</th><td>${esc(text)}</td></tr>`);
  };
  const group = (name) => rows.push(`<tr class="group"><th colspan="2">${esc(name)}</th></tr>`);
  const shown = new Set(["context", "args", "task", "scopes", "exc_text", "exc_info", "trace_id", "span_id", "trace_flags", "msecs", "asctime", "relativeCreated", "levelno"]);
  for (const [field, label] of DETAIL_FIELDS) {
    shown.add(field);
    row(label, field === "created" ? new Date(record.created * 1000).toISOString() : record[field]);
  }
  const args = record.args;
  if (args && typeof args === "object") {
    group("args");
    for (const [name, value] of Array.isArray(args) ? args.map((v, i) => [String(i), v]) : Object.entries(args)) row(name, value);
  }
  if (record.context) {
    group("context");
    for (const [name, value] of Object.entries(record.context)) row(name, value);
  }
  if (record.task) {
    group("task");
    for (const [name, value] of Object.entries(record.task)) row(name, value);
  }
  if (record.trace_id || showEmpty) {
    group("trace");
    row("trace_id", record.trace_id);
    row("span_id", record.span_id);
  }
  if (record.scopes) {
    group("scopes");
    record.scopes.forEach((scope, i) => row(String(i), scope));
  }
  const rest = Object.keys(record).filter((k) => !shown.has(k));
  if (rest.length) {
    group("other fields");
    for (const name of rest) row(name, record[name]);
  }
  $("#details-table tbody").innerHTML = rows.join("");
  renderException(record.exc_text);

  const around = (name, value) => {
    if (!value) return null;
    const params = new URLSearchParams({ from: new Date((record.created - 30) * 1000).toISOString(), to: new Date((record.created + 30) * 1000).toISOString() });
    params.set(name, value);
    return "/api/records?" + params;
  };
  for (const [id, href] of [["#details-logger", around("logger", record.name)], ["#details-service", around("service", record.service)]]) {
    $(id).hidden = !href;
    if (href) $(id).href = href;
  }
}

// An exception's text as .NET or Python writes it: the first line (type: message) and then one line a frame.
function renderException(text) {
  const box = $("#details-exception");
  box.hidden = !text;
  if (!text) return;
  box.innerHTML = text.split(/\r?\n/).filter((line) => line.trim() !== "").map((line) => {
    const trimmed = line.trim();
    const frame = /^at (.*?)( in (.*))?$/.exec(trimmed);
    if (frame) return `<div class="frame">at ${esc(frame[1])}${frame[3] ? ` <span class="where">in ${esc(frame[3])}</span>` : ""}</div>`;
    if (/^File ".*", line \d+/.test(trimmed) || line.startsWith("    ")) return `<div class="frame">${esc(trimmed)}</div>`;
    if (trimmed.startsWith("---") || trimmed.startsWith("Traceback")) return `<div class="note">${esc(trimmed)}</div>`;
    return `<div class="headline">${esc(trimmed)}</div>`;
  }).join("");
}

$("#details-empty").addEventListener("change", () => {
  const r = state.records.get(state.selected);
  if (r) renderDetails(r);
});

$("#details-copy").addEventListener("click", async () => {
  const r = state.records.get(state.selected);
  if (!r) return;
  const text = JSON.stringify(r.record, null, 2);
  try {
    await navigator.clipboard.writeText(text);
    $("#details-copy").textContent = "copied";
  } catch {
    // No clipboard (an http page, say): the JSON below is opened to be copied by hand.
    document.querySelector("#details details").open = true;
  }
  setTimeout(() => { $("#details-copy").textContent = "copy as JSON"; }, 1500);
});

$("#details-close").addEventListener("click", () => {
  $("#details").hidden = true;
  document.body.classList.remove("with-details");
});

// ---- live ------------------------------------------------------------------------------------------------------

// Refreshes are throttled, not debounced: while records keep coming, the tree and the list still move.
let treeTimer = null;
let listTimer = null;

// The list follows every record: a record of a task it shows changes that row in place (drawn at most twice a
// second); a task it does not show yet, a root record of the original client (whose end only the whole task tells),
// or a filter the page cannot apply itself makes it fetch the list again, at most once a second.
let listPending = [];
let listDraw = null;

function connectLive() {
  const source = new EventSource("/api/live");
  source.onopen = () => $("#live").classList.replace("off", "on");
  source.onerror = () => $("#live").classList.replace("on", "off");
  source.onmessage = (event) => {
    listPending.push(event.data);
    if (listPending.length === 1) requestAnimationFrame(takeIntoList);
  };
}

function takeIntoList() {
  const batch = listPending;
  listPending = [];
  let refetch = [...filters().keys()].some((name) => name !== "from");
  let changed = false;
  for (let i = 0; i < batch.length && !refetch; i++) {
    const placed = addToList(JSON.parse(batch[i]));
    refetch = placed === null;
    changed ||= placed;
  }
  if (refetch) listTimer ??= setTimeout(() => { listTimer = null; loadTasks(); }, 1000);
  else if (changed) listDraw ??= setTimeout(() => { listDraw = null; renderTasks(); }, 500);
}

// A live record into the row of its task (as TaskSummary counts): true when it changed a row, null when the list
// must be read again.
function addToList(r) {
  if (!r.rootId) return false;
  const task = state.tasks.find((t) => t.rootId === r.rootId);
  const boundary = r.record.task;
  if (!task || (r.scopeId === r.rootId && !boundary)) return null;
  task.records++;
  if (r.level >= 40) task.errors++;
  else if (r.level >= 30) task.warnings++;
  task.last = Math.max(task.last, r.created);
  const service = r.service ?? r.record.module ?? r.record.processName;
  if (service && !task.services.includes(service)) task.services = [...task.services, service].sort();
  if (r.hostname && !task.hostnames.includes(r.hostname)) task.hostnames = [...task.hostnames, r.hostname].sort();
  if (r.scopeId === r.rootId && boundary.event === "exit") {
    task.status = boundary.status;
    if (boundary.elapsed_ms !== undefined) task.elapsedMs = boundary.elapsed_ms;
  }
  if (task.status === "succeeded" && task.errors > 0) task.status = "succeeded with errors";
  return true;
}

// The open tree follows its own task's records only, and takes each into the tree it has, in place: nothing the
// page already has is fetched again. A record whose scope hangs below one the page does not know yet (a gap) makes
// it fetch the tree once.
let treeSource = null;
let liveRecords = 0;

function followTree(root) {
  treeSource?.close();
  treeSource = new EventSource("/api/live?task=" + encodeURIComponent(root));
  treeSource.onopen = () => { $("#tree").dataset.following = root; };
  treeSource.onmessage = (event) => {
    const r = JSON.parse(event.data);
    if (r.rootId !== state.root || !state.tree) return;
    if (r.key) state.fresh.add(r.key);
    pendingLive.push(r);
    if (pendingLive.length === 1) requestAnimationFrame(drawLive);
  };
}

// Records that came since the last frame, drawn together: each goes into the tree the page holds, and into the page
// as a line (or a new scope) appended where it belongs; the rest of the page is left as it is.
let pendingLive = [];

function drawLive() {
  const batch = pendingLive;
  pendingLive = [];
  const lines = new Map(); // scope id -> the lines to append to its body
  const created = [];
  const changed = new Set();
  for (const r of batch) {
    const placed = addToTree(r);
    if (placed === null) {
      treeTimer ??= setTimeout(() => { treeTimer = null; loadTree(); }, 300);
      continue;
    }
    const { scope, item, isNew } = placed;
    if (!scope) continue;
    changed.add(scope.id);
    if (isNew) created.push(scope);
    else if (item && !created.includes(scope)) lines.set(scope.id, (lines.get(scope.id) ?? "") + recordHtml(item.record));
  }
  // A new scope is drawn whole, with what came for it, into its parent (unless the parent is new too: it holds it).
  for (const scope of created) {
    const parentId = scope.id.substring(0, scope.id.lastIndexOf("/"));
    if (created.some((s) => s.id === parentId)) continue;
    lines.set(parentId, (lines.get(parentId) ?? "") + scopeHtml(scope, false, state.scopes.get(parentId)));
  }
  for (const [id, html] of lines) {
    const body = scopeElement(id)?.querySelector(":scope > .scope-body");
    if (body && !body.dataset.lazy) body.insertAdjacentHTML("beforeend", html);
  }
  for (const id of changed) {
    const scope = state.scopes.get(id);
    const header = scopeElement(id)?.querySelector(":scope > .scope-header");
    if (!scope || !header) continue;
    if (scope.title !== null) header.querySelector(".title").textContent = scope.title;
    const status = header.querySelector(".status");
    status.textContent = scope.status;
    status.className = "status " + scope.status;
    if (scope.elapsedMs !== undefined) {
      const elapsed = header.querySelector(".elapsed");
      delete elapsed.dataset.runningSince;
      elapsed.textContent = duration(scope.elapsedMs);
    }
  }
  $("#tree-info").textContent = `${state.tree.recordCount} records`;
  applyLevel();
}

function scopeElement(id) {
  return document.querySelector(`#tree .scope[data-scope="${CSS.escape(id)}"]`);
}

// Takes a live record into the tree the page holds: where it went ({scope, item, isNew}), or null when its scope hangs
// below one the page does not know.
function addToTree(r) {
  if (!r.scopeId || state.keys.has(r.key)) return {}; // fetched already, or outside any task
  const folded = foldedAbove(r.scopeId);
  if (folded) return addToFolded(folded, r);
  state.keys.add(r.key);
  r.id = "live-" + (++liveRecords); // the stream's records have no store id; the details panel needs one
  let scope = state.scopes.get(r.scopeId);
  let isNew = false;
  if (!scope) {
    const parentId = r.scopeId.includes("/") ? r.scopeId.substring(0, r.scopeId.lastIndexOf("/")) : null;
    const parent = parentId && state.scopes.get(parentId);
    if (!parent) return null;
    isNew = true;
    scope = { id: r.scopeId, depth: r.depth, title: null, status: "running", imported: parent.services.length > 0 && !parent.services.includes(r.service),
      hasErrors: false, records: 0, services: [], hostnames: [], items: [], start: r.created };
    parent.items.push({ scope });
    state.scopes.set(scope.id, scope);
  }
  const task = r.record.task;
  let item = null;
  if (task?.event === "enter" || (!task && r.seq === 0)) {
    scope.title = r.message;
    scope.enter = r;
  } else {
    item = { record: r };
    scope.items.push(item);
  }
  if (task?.event === "exit") {
    scope.status = task.status;
    if (task.elapsed_ms !== undefined) scope.elapsedMs = task.elapsed_ms;
  }
  scope.start = Math.min(scope.start ?? r.created, r.created);
  if (r.service && !scope.services.includes(r.service)) scope.services.push(r.service);
  if (r.hostname && !scope.hostnames.includes(r.hostname)) scope.hostnames.push(r.hostname);
  if (r.level >= 40 || task?.status === "failed") markErrors(scope);
  state.tree.recordCount++;
  return { scope, item, isNew };
}

// The folded scope the page holds that a scope id is in (itself or below it), if any.
function foldedAbove(scopeId) {
  for (let id = scopeId; ; id = id.substring(0, id.lastIndexOf("/"))) {
    const scope = state.scopes.get(id);
    if (scope) return scope.folded ? scope : null;
    if (!id.includes("/")) return null;
  }
}

// A live record below a folded scope counts in its header, and is kept to be taken in when the scope is unfolded.
function addToFolded(scope, r) {
  (scope.pending ??= []).push(r);
  const task = r.record.task;
  if (r.scopeId === scope.id && task?.event === "exit") {
    scope.status = task.status;
    if (task.elapsed_ms !== undefined) scope.elapsedMs = task.elapsed_ms;
  }
  scope.records++;
  scope.last = Math.max(scope.last ?? r.created, r.created);
  if (r.level >= 40 || task?.status === "failed") markErrors(scope);
  state.tree.recordCount++;
  return { scope, item: null, isNew: false };
}

function markErrors(scope) {
  for (let s = scope; s; s = state.scopes.get(s.id.substring(0, s.id.lastIndexOf("/")))) {
    s.hasErrors = true;
    if (!s.id.includes("/")) break;
  }
}

// A running scope's duration grows while the page looks at it.
setInterval(() => {
  const now = Date.now() / 1000;
  document.querySelectorAll("#tree .elapsed[data-running-since]").forEach((el) => {
    el.textContent = duration((now - Number(el.dataset.runningSince)) * 1000) + " so far";
  });
}, 1000);

// ---- debug this task -------------------------------------------------------------------------------------------

$("#debug-task").addEventListener("click", async () => {
  if (!state.root) return;
  try {
    const rule = await postJson("/api/levels", { task: state.root, level: "Debug", ttl: "10m", reason: "debug this task (viewer)" });
    $("#tree-info").textContent = `Debug is on for this task in every process for 10 minutes (rule ${rule.id})`;
  } catch (error) {
    $("#tree-info").textContent = "could not turn on Debug: " + error.message;
  }
});

// ---- live tail: every record as it arrives, filtered by a query, with pause and resume ----------------------------

const TAIL_KEEP = 2000;
const tail = { source: null, paused: false, held: [], shown: 0 };

function followTail() {
  stopTail();
  const query = $("#tail-query").value.trim();
  $("#tail-error").textContent = "";
  tail.source = new EventSource("/api/live" + (query ? "?q=" + encodeURIComponent(query) : ""));
  tail.source.onopen = () => tailState();
  tail.source.onerror = async () => {
    // A query the API cannot read is a 400: said next to the box (EventSource does not give the body).
    if (query) {
      const answer = await fetch("/api/live?q=" + encodeURIComponent(query));
      if (answer.status === 400) {
        $("#tail-error").textContent = (await answer.json()).error;
        stopTail();
      } else {
        answer.body?.cancel();
      }
    }
  };
  tail.source.onmessage = (event) => {
    const r = JSON.parse(event.data);
    if (tail.paused) {
      tail.held.push(r);
      if (tail.held.length > TAIL_KEEP) tail.held.shift();
      tailState();
    } else {
      appendTail([r]);
    }
  };
}

function stopTail() {
  tail.source?.close();
  tail.source = null;
}

function appendTail(records) {
  const box = $("#tail");
  const atEnd = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
  box.insertAdjacentHTML("beforeend", records.map((r) =>
    `<div class="record level-${r.level}" data-level="${r.level}"><span class="time">${esc(time(r.created))}</span><span class="level">${esc(r.levelName)}</span>` +
    `<span class="service">${esc(r.service ?? "")}</span><span class="logger">${esc(r.logger)}</span><span class="message">${esc(r.message)}</span></div>`).join(""));
  tail.shown += records.length;
  while (box.childElementCount > TAIL_KEEP) box.firstElementChild.remove();
  if (atEnd) window.scrollTo(0, document.body.scrollHeight);
  tailState();
}

function tailState() {
  $("#tail-state").textContent = tail.paused ? `paused: ${tail.held.length} new` : `${tail.shown} shown`;
  $("#tail-pause").textContent = tail.paused ? "resume" : "pause";
}

$("#tail-form").addEventListener("submit", (event) => {
  event.preventDefault();
  $("#tail").innerHTML = "";
  tail.shown = 0;
  tail.held = [];
  followTail();
});

$("#tail-pause").addEventListener("click", () => {
  tail.paused = !tail.paused;
  if (!tail.paused) {
    const held = tail.held;
    tail.held = [];
    appendTail(held);
  }
  tailState();
});

// ---- pages -----------------------------------------------------------------------------------------------------

let pageTimer = null;

function showPage() {
  const page = location.hash === "#levels" ? "levels" : location.hash === "#components" ? "components" : location.hash === "#tail" ? "tail" : "tasks";
  $("#tasks-page").hidden = page !== "tasks";
  $("#tail-page").hidden = page !== "tail";
  if (page === "tail") followTail(); else stopTail();
  $("#levels-page").hidden = page !== "levels";
  $("#components-page").hidden = page !== "components";
  document.querySelectorAll("header nav a").forEach((a) => a.classList.toggle("current", a.dataset.page === page));
  clearInterval(pageTimer);
  pageTimer = null;
  if (page === "levels") {
    loadLevels();
    pageTimer = setInterval(tickLevels, 1000);
  } else if (page === "components") {
    loadComponents();
    pageTimer = setInterval(loadComponents, 2000);
  }
}

window.addEventListener("hashchange", showPage);

// ---- levels ----------------------------------------------------------------------------------------------------

let rules = [];

function left(rule) {
  if (rule.expiresAt === null) return "until cleared";
  const ms = Date.parse(rule.expiresAt) - Date.now();
  if (ms <= 0) return "ended";
  const s = Math.ceil(ms / 1000);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(sec).padStart(2, "0")}s`;
}

function selects(rule) {
  const parts = ["service", "host", "system", "logger", "task"].filter((k) => rule[k]).map((k) => `${k}=${rule[k]}`);
  return parts.length ? parts.join(" ") : "everything";
}

function drawLevels() {
  $("#levels tbody").innerHTML = rules.map((r) => `
    <tr class="rule" data-rule="${esc(r.id)}">
      <td>${esc(r.id)}</td><td>${esc(r.level)}</td><td class="wrap">${esc(selects(r))}</td>
      <td class="left">${esc(left(r))}</td><td class="wrap">${esc(r.reason ?? "")}</td><td>${esc(r.by ?? "")}</td>
      <td><button type="button" class="remove" data-rule="${esc(r.id)}">remove</button></td>
    </tr>`).join("");
  $("#levels-empty").hidden = rules.length > 0;
}

// Each second the time left counts down; every other second the rules and changes are read again (others change them too).
let ticks = 0;

function tickLevels() {
  document.querySelectorAll("#levels tr.rule").forEach((row) => {
    const rule = rules.find((r) => r.id === row.dataset.rule);
    if (rule) row.querySelector(".left").textContent = left(rule);
  });
  if (++ticks % 2 === 0) loadLevels();
}

async function loadLevels() {
  try {
    ({ rules } = await getJson("/api/levels"));
    drawLevels();
  } catch (error) {
    $("#level-error").textContent = error.message;
  }
  try {
    const { records } = await getJson("/api/records?logger=Distlog.Levels&limit=20");
    $("#level-changes").innerHTML = records.map((r) => `<li>${esc(time(r.created))} ${esc(r.message)}</li>`).join("");
  } catch {
    $("#level-changes").innerHTML = "";
  }
}

$("#level-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = {};
  for (const [name, value] of new FormData(event.target)) {
    if (String(value).trim() !== "") body[name] = String(value).trim();
  }
  try {
    await postJson("/api/levels", body);
    $("#level-error").textContent = "";
    await loadLevels();
  } catch (error) {
    $("#level-error").textContent = error.message;
  }
});

$("#levels tbody").addEventListener("click", async (event) => {
  const button = event.target.closest("button.remove");
  if (!button) return;
  try {
    await getJson("/api/levels/" + encodeURIComponent(button.dataset.rule) + "?by=viewer", { method: "DELETE" });
  } catch (error) {
    $("#level-error").textContent = error.message;
  }
  await loadLevels();
});

// ---- components ------------------------------------------------------------------------------------------------

async function loadComponents() {
  let components, daemon;
  try {
    ({ components, daemon } = await getJson("/api/components"));
  } catch (error) {
    $("#components tbody").innerHTML = `<tr><td colspan="11" class="error">${esc(error.message)}</td></tr>`;
    return;
  }
  $("#components tbody").innerHTML = components.map((c) => `
    <tr class="component">
      <td>${esc(c.service)}</td><td>${esc(c.host)}</td><td>${esc(c.pid)}</td><td>${esc(c.process)}</td><td>${esc(c.version)}</td>
      <td>${esc(c.system)}</td><td>${esc(new Date(c.connectedSince).toLocaleString([], { hour12: false }))}</td>
      <td>${esc(c.recordsPerSecond)}</td><td>${esc(c.recordsSent)}</td><td>${esc(c.dropped)}</td><td>${esc(c.rules.join(", ") || "none")}</td>
    </tr>`).join("");
  $("#components-empty").hidden = components.length > 0;
  $("#daemon-counters").textContent = `distlogd: ${daemon.records} records received, ${daemon.acknowledged} messages acknowledged, ` +
    `${daemon.duplicates} duplicates dropped, ${daemon.replayed} journaled messages replayed at start, ` +
    `journal ${daemon.journalBytes} bytes (oldest ${daemon.journalAgeSeconds} s, ${daemon.journalRefused} messages refused, ${daemon.journalExpired} records expired), ` +
    `${daemon.pluginsBehind} plugin(s) catching up from the journal, plugins ${daemon.pluginLag} records (${daemon.pluginLagSeconds} s) behind, ` +
    `${daemon.pluginQueue} records queued, ${daemon.dropped} dropped`;
}

// ---- start -----------------------------------------------------------------------------------------------------

(async function start() {
  showPage();
  connectLive();
  const address = new URLSearchParams(location.hash.includes("=") ? location.hash.slice(1) : "");
  $("#query").value = address.get("q") ?? "";
  const task = address.get("task");
  // The task the address names is what was asked for: its tree is read first, then the list (on two cores, reading
  // both at once made each wait for the other).
  if (task) await openTask(task);
  await loadTasks();
})();
