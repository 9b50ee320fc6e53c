// tthc-hub operator console: select-all on the jobs page, live progress on a task page.
// Plain JavaScript, no build step; every page also works without it.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll("input.pick").forEach(function (box) { box.checked = all.checked; });
      });
    }
    var task = document.getElementById("task");
    if (task) { poll(task); }
  });

  function word(state) {
    var tpl = document.getElementById("state-words");
    var hit = tpl && tpl.content.querySelector('[data-state="' + state + '"]');
    return hit ? hit.textContent : state;
  }

  function poll(task) {
    var url = task.getAttribute("data-progress");
    var finished = { done: true, failed: true };
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (p) {
          var bar = document.getElementById("task-bar");
          bar.max = Math.max(p.total, 1);
          bar.value = p.processed;
          ["processed", "total", "applied", "refused"].forEach(function (k) {
            document.getElementById("task-" + k).textContent = p[k];
          });
          document.getElementById("task-state").textContent = word(p.state);
          task.setAttribute("data-state", p.state);
          if (!finished[p.state]) { setTimeout(tick, 1000); }
        })
        .catch(function () { setTimeout(tick, 3000); });
    }
    if (!finished[task.getAttribute("data-state")]) { setTimeout(tick, 500); }
  }
})();
