// The task list: newest first, sortable, paged to older tasks, filtered by the query box, and live.
import { $, clock, duration, esc, getJson, stamp, state } from "./common.js";
import { openTask } from "./tree.js";

function filters() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData($("#filters"))) {
    if (String(value).trim() !== "") params.append(name, String(value).trim());
  }
  return params;
}


// ---- the task list ---------------------------------------------------------------------------------------------

const TASK_PAGE = 100;

// The newest tasks; the live refresh keeps the older pages already shown.
export async function loadTasks() {
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
export function setAddress() {
  const params = new URLSearchParams();
  if (state.root) params.set("task", state.root);
  const query = $("#query").value.trim();
  if (query) params.set("q", query);
  history.replaceState(null, "", "#" + params.toString().replaceAll("+", "%20"));
}

// ---- live ------------------------------------------------------------------------------------------------------

// Refreshes are throttled, not debounced: while records keep coming, the list still moves.
let listTimer = null;

// The list follows every record, in brief: a record of a task it shows changes that row in place (drawn at most
// twice a second); a task it does not show yet, the original client's closing record of a root, or a filter the page
// cannot apply itself makes it fetch the list again, at most once a second.
let listPending = [];
let listDraw = null;

export function connectLive() {
  const source = new EventSource("/api/live?brief=true");
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
  const boundary = r.task;
  // The original client closes a root with "DONE {title}" and no boundary: its status and duration come from the list.
  if (!task || (r.scopeId === r.rootId && !boundary && r.message === "DONE " + task.title)) return null;
  task.records++;
  if (r.level >= 40) task.errors++;
  else if (r.level >= 30) task.warnings++;
  task.last = Math.max(task.last, r.created);
  if (r.service && !task.services.includes(r.service)) task.services = [...task.services, r.service].sort();
  if (r.hostname && !task.hostnames.includes(r.hostname)) task.hostnames = [...task.hostnames, r.hostname].sort();
  if (r.scopeId === r.rootId && boundary?.event === "exit") {
    task.status = boundary.status;
    if (boundary.elapsed_ms !== undefined) task.elapsedMs = boundary.elapsed_ms;
  }
  if (task.status === "succeeded" && task.errors > 0) task.status = "succeeded with errors";
  return true;
}
