// The live tail page.
import { $, esc, time } from "./common.js";

// ---- live tail: every record as it arrives, filtered by a query, with pause and resume ----------------------------

const TAIL_KEEP = 2000;
const tail = { source: null, paused: false, held: [], shown: 0 };

export function followTail() {
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

export function stopTail() {
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
