// The watch page: two server-sent event streams (the sweep, and the job that is open) render
// into the page; nothing reloads. Every text from the sweep is set with textContent.
"use strict";
(function () {
  window.brainjarWatchLoaded = Date.now(); // a reload would change it
  const token = new URLSearchParams(location.search).get("token");
  const q = token ? "?token=" + encodeURIComponent(token) : "";
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };
  const fmtS = (s) => {
    if (s === null || s === undefined) return "–";
    s = Math.round(s);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return h ? `${h} h ${m} min` : m ? `${m} min ${s % 60} s` : `${s} s`;
  };
  const params = (p, keys) => Object.entries(p || {})
    .filter(([k]) => !keys || keys.includes(k)).map(([k, v]) => `${k}=${v}`).join(" ");
  let swept = null; // the parameters that differ between jobs: what a tile shows

  function renderSweep(d) {
    const p = d.progress, s = d.sweep;
    $("sweep-id").textContent = s.id;
    $("sweep-kind").textContent = s.kind === "optuna" ? "Optuna study" : "grid sweep";
    const state = s.finished ? "finished" : p.running ? "running" : "waiting";
    $("sweep-state").textContent = `${state}: ${p.done} of ${p.total} jobs done`;
    document.body.dataset.state = state;
    const pct = (n) => (p.total ? (100 * n) / p.total : 0) + "%";
    $("bar-done").style.width = pct(p.completed);
    $("bar-running").style.width = pct(p.running);
    $("bar-pruned").style.width = pct(p.pruned || 0);
    $("bar-failed").style.width = pct(p.failed);
    $("p-done").textContent = p.done;
    $("p-running").textContent = p.running;
    $("p-pruned").textContent = p.pruned || 0;
    $("p-failed").textContent = p.failed;
    $("p-pending").textContent = p.pending;
    $("p-eta").textContent = s.finished ? "done" : fmtS(p.eta_seconds);
    $("p-memory").textContent =
      p.memory_budget_gb === null ? `${p.memory_reserved_gb} GB`
        : `${p.memory_reserved_gb} / ${p.memory_budget_gb} GB`;
    $("p-temp").textContent = p.temperature_c === null ? "no sensor" : `${p.temperature_c} °C`;
    const notes = $("notes");
    notes.replaceChildren(...d.notes.map((n) => el("li", "note", n)));
    swept = d.swept && d.swept.length ? d.swept : null;
    renderTiles(d.jobs);
    renderOptuna(d.optuna);
  }

  function renderTiles(jobs) {
    const box = $("tiles");
    const open = openJob();
    for (const j of jobs) {
      let t = box.querySelector(`[data-num="${j.num}"]`);
      if (!t) {
        t = el("article", "tile");
        t.dataset.num = j.num;
        t.id = "tile-" + j.num;
        t.addEventListener("click", () => { location.hash = "job-" + j.num; });
        box.appendChild(t);
      }
      t.dataset.status = j.status;
      t.classList.toggle("open", open === j.num);
      const h = el("h3");
      h.append(el("span", "num", "#" + j.num), el("span", "status", j.status));
      const kids = [h, el("div", "params", params(j.params, swept))];
      const cyc = j.cycle === null ? "–" : j.cycle;
      kids.push(el("div", "cycle", `cycle ${cyc} of ${j.max_cycles ?? "?"} · crashes ${j.crashes ?? 0}`));
      if (j.memory_mb !== null && j.limit_mb) {
        const m = el("div", "meter" + (j.memory_mb > 0.9 * j.limit_mb ? " hot" : ""));
        const bar = el("div");
        bar.style.width = Math.min(100, (100 * j.memory_mb) / j.limit_mb) + "%";
        m.appendChild(bar);
        kids.push(m, el("div", "memory", `memory ${Math.round(j.memory_mb)} / ${Math.round(j.limit_mb)} MB`));
      }
      if (j.reason) kids.push(el("div", "reason", j.reason));
      if (j.gist) kids.push(el("div", "gist", j.gist));
      t.replaceChildren(...kids);
    }
  }

  function renderOptuna(o) {
    $("optuna").hidden = !o;
    if (!o) return;
    const r = o.results || {};
    $("optuna-best").textContent = r.best_trial !== undefined && r.best_trial !== null
      ? `best trial ${r.best_trial}: ${r.best_value} (${params(r.best_params)})`
      : `objective ${[].concat(o.objective ?? "?").join(", ")}, ${[].concat(o.direction ?? "").join(", ")}`;
    $("trials").replaceChildren(...o.trials.map((t) => {
      const tr = el("tr");
      const value = t.value === null ? "–" : Array.isArray(t.value) ? t.value.join(", ") : t.value;
      tr.append(el("td", "", `${t.trial} (job #${t.job})`), el("td", "", t.state),
        el("td", "", value), el("td", "", params(t.params, swept)));
      return tr;
    }));
  }

  // ---------------------------------------------------------------- one job
  let jobSource = null, shown = new Set(), shownJob = null;
  const openJob = () => {
    const m = /^#job-(\d+)$/.exec(location.hash);
    return m ? Number(m[1]) : null;
  };

  function renderJob(d) {
    const j = d.job;
    $("job-title").textContent = `#${j.num} ${params(j.params, swept)}`;
    $("job-title").title = params(j.params);
    $("job-summary").textContent =
      `${j.status} · cycle ${j.cycle ?? "–"} of ${j.max_cycles ?? "?"} · crashes ${j.crashes ?? 0}` +
      (j.reason ? ` · ${j.reason}` : "");
    $("job-chart").innerHTML = d.chart; // SVG drawn by the server from numbers only
    $("job-chart-caption").textContent = `memory per cycle${d.chart_mind ? " (" + d.chart_mind + ")" : ""}, dashed: the jar's limit, red: crashes`;
    const list = $("events");
    const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
    for (const e of d.events) {
      if (shown.has(e.id)) continue;
      shown.add(e.id);
      const li = el("li", e.kind);
      li.dataset.kind = e.kind;
      li.append(el("span", "kind", `${e.cycle ?? "–"} ${e.kind.replace("_", " ")}`));
      if (e.who) li.append(el("span", "who", e.who + ": "));
      li.append(el("span", "text", e.text));
      if (e.score !== undefined && e.score !== null) li.append(el("span", "flag",
        `score ${typeof e.score === "number" ? Number(e.score.toPrecision(3)) : e.score}`));
      for (const f of e.flags || []) li.append(el("span", "flag", f));
      list.appendChild(li);
    }
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  function showJob() {
    const num = openJob();
    if (num === shownJob) return;
    if (jobSource) { jobSource.close(); jobSource = null; }
    shownJob = num;
    shown = new Set();
    $("events").replaceChildren();
    $("job").hidden = num === null;
    document.querySelectorAll(".tile").forEach((t) => t.classList.toggle("open", Number(t.dataset.num) === num));
    if (num === null) return;
    jobSource = new EventSource(`events/job/${num}${q}`);
    jobSource.onmessage = (ev) => renderJob(JSON.parse(ev.data));
  }
  $("job-close").addEventListener("click", (ev) => { ev.preventDefault(); location.hash = ""; });
  window.addEventListener("hashchange", showJob);

  const sweep = new EventSource("events" + q);
  sweep.onmessage = (ev) => renderSweep(JSON.parse(ev.data));
  sweep.onerror = () => { $("sweep-state").textContent = "connection lost: retrying…"; };
  showJob();
})();
