// A record's details, beside the tree.
import { $, esc, state } from "./common.js";

// ---- a record's details ----------------------------------------------------------------------------------------

// Fields shown first, in this order, and the names they go by; everything else follows under its own name.
const DETAIL_FIELDS = [
  ["created", "time"], ["levelname", "level"], ["name", "logger"], ["service", "service"], ["hostname", "host"],
  ["process", "pid"], ["processName", "process"], ["threadName", "thread"], ["message", "message"], ["msg", "template"],
];

export function showDetails(id, element) {
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
