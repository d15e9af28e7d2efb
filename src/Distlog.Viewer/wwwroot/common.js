// Shared by every part of the page: the state of the task list and the open tree, and small helpers.

export const $ = (selector) => document.querySelector(selector);
export const state = { traceUrl: null, tasks: [], pages: 1, taskSort: { key: "started", descending: true }, root: null, tree: null, collapsed: new Set(), selected: null, minLevel: 0, fresh: new Set(), scopes: new Map(), records: new Map() };


export function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// One formatter for every time shown: toLocaleTimeString makes a new one each call, and was an eighth of the page's
// work while 1,000 records a second arrived.
export const clock = new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
export const stamp = new Intl.DateTimeFormat([], { dateStyle: "short", timeStyle: "medium", hour12: false });

export function time(created) {
  const d = new Date(created * 1000);
  return clock.format(d) + "." + String(d.getMilliseconds()).padStart(3, "0");
}

export function duration(ms) {
  if (ms === undefined || ms === null) return "";
  if (ms < 1) return ms.toFixed(3) + " ms";
  if (ms < 1000) return ms.toFixed(1) + " ms";
  if (ms < 60000) return (ms / 1000).toFixed(2) + " s";
  return new Date(ms).toISOString().substring(11, 19);
}

export async function getJson(url, init) {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error((await response.json().catch(() => ({}))).error || response.statusText);
  return response.json();
}

export function postJson(url, body) {
  return getJson(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}
