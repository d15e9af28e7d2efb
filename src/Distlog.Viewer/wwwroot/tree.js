// The open task: its tree as a waterfall, folding, the critical path, and live records taken in place.
import { $, duration, esc, getJson, postJson, state, time } from "./common.js";
import { showDetails } from "./details.js";
import { setAddress } from "./tasks.js";

// A big tree comes with its subtasks folded: the API sends a folded scope's summary (its header and bar), not its
// records, and the page asks for one scope's records when it is unfolded. So a tree of 100,000 records opens at once,
// and unfolding costs what it shows, not what the tree holds.
const FOLD_ABOVE = 2000;

// ---- the tree --------------------------------------------------------------------------------------------------

export async function openTask(root) {
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
  }
}

function recordHtml(r) {
  const classes = ["record", "level-" + r.level];
  if (r.level < state.minLevel) classes.push("hidden-level");
  if (state.selected === r.id) classes.push("selected");
  if (state.fresh.has(r.key)) classes.push("fresh");
  state.records.set(r.id, r);
  return `<div class="${classes.join(" ")}" data-record="${esc(r.id)}" data-level="${r.level}">
    <span class="time">${esc(time(r.created))}</span><span class="level">${esc(r.levelName)}</span><span class="logger">${esc(r.logger)}</span><span class="message">${esc(r.message)}</span></div>`;
}

// Lines are made with the level's class (recordHtml); this is for when the level is changed.
function applyLevel() {
  const tree = $("#tree");
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

// ---- live ------------------------------------------------------------------------------------------------------

// Refreshes are throttled, not debounced: while records keep coming, the tree still moves.
let treeTimer = null;

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
    // Only what changed is written: a line appended below is no reason to lay out the header again.
    const set = (element, text) => { if (element.textContent !== text) element.textContent = text; };
    if (scope.title !== null) set(header.querySelector(".title"), scope.title);
    const status = header.querySelector(".status");
    set(status, scope.status);
    if (!status.classList.contains(scope.status)) status.className = "status " + scope.status;
    if (scope.elapsedMs !== undefined) {
      const elapsed = header.querySelector(".elapsed");
      delete elapsed.dataset.runningSince;
      set(elapsed, duration(scope.elapsedMs));
    }
  }
  // The count is written twice a second at most, not each frame.
  countTimer ??= setTimeout(() => { countTimer = null; $("#tree-info").textContent = `${state.tree.recordCount} records`; }, 500);
}

let countTimer = null;

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
