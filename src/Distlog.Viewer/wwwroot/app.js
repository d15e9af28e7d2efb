// The distlog viewer: a task list and a foldable task tree, the live tail, the central level rules and the
// connected components, fed only by the JSON API of distlogd (/api/tasks, /api/tree/{id}, /api/live, /api/levels,
// /api/components). Plain JavaScript in ES modules, served as they are: no build step, nothing from anywhere else.
import { $ } from "./common.js";
import { loadComponents, loadLevels, tickLevels } from "./levels.js";
import { followTail, stopTail } from "./tail.js";
import { connectLive, loadTasks } from "./tasks.js";
import { openTask } from "./tree.js";

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
