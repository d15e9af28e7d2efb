// The level rules and the connected components.
import { $, esc, getJson, postJson, time } from "./common.js";

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

export function tickLevels() {
  document.querySelectorAll("#levels tr.rule").forEach((row) => {
    const rule = rules.find((r) => r.id === row.dataset.rule);
    if (rule) row.querySelector(".left").textContent = left(rule);
  });
  if (++ticks % 2 === 0) loadLevels();
}

export async function loadLevels() {
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

export async function loadComponents() {
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
