// Fit: a law fitted to bundled or uploaded runs as a job with streamed progress; IsoFLOP Approach 2.
import { API, el, params, saveState, b64encode, api, si, sig, notesList, sci, pct, table, showSnippets, stamp, storeFit, field } from "./core.js";
import { chart } from "./chart.js";
import { suggestSection } from "./suggest.js";

const FIT_GRID = Array.from({ length: 11 }, (_, i) => `1e${18 + i}`).join(",");

export default async function pageFit(main) {
  const q = params();
  const datasets = await api("/datasets");
  const dataset = el("select", { id: "dataset" }, el("option", { value: "" }, "(upload a file)"),
    datasets.filter((d) => Object.keys(d.columns || {}).length).map((d) => el("option", { value: d.name }, d.name)));
  dataset.value = q.get("upload") ? "" : q.get("dataset") ?? "chinchilla-runs";  // an upload's permalink never falls back
  if (dataset.selectedIndex < 0) dataset.value = "chinchilla-runs";  // an old permalink's renamed set
  const file = el("input", { type: "file", id: "file", accept: ".csv,.tsv,.parquet,.jsonl,.ndjson,.json" });
  const law = el("select", { id: "law" }, ["chinchilla", "kaplan", "data-constrained", "power", "saturating-power", "broken-power", "sigmoid"].map((f) => el("option", { value: f }, f)));
  law.value = q.get("law") || "chinchilla";
  const estimator = el("select", { id: "estimator" }, ["fast", "hoffmann"].map((f) => el("option", { value: f }, f)));
  estimator.value = q.get("estimator") || "fast";
  const objective = el("select", { id: "objective" }, ["huber", "squares", "asymmetric"].map((f) => el("option", { value: f }, f)));
  objective.value = q.get("objective") || "huber";
  const num = (id, value) => el("input", { type: "text", id, value });
  const opts = { bootstrap: num("bootstrap", q.get("bootstrap") ?? "200"), seed: num("seed", q.get("seed") ?? "0"),
    drop_highest_loss: num("drop", q.get("drop_highest_loss") ?? "0"), holdout_above: num("holdout", q.get("holdout_above") ?? "") };
  const columns = {};
  const names = el("datalist", { id: "columns" });
  for (const key of ["n_col", "d_col", "c_col", "loss_col"]) columns[key] = el("input", { type: "text", id: key, list: "columns", value: q.get(key) ?? "", placeholder: "auto" });
  const own = { formula: el("input", { type: "text", id: "formula", value: q.get("formula") ?? "", placeholder: "optional, e.g. E + A/N^alpha + B/D^beta" }),
    variables: el("input", { type: "text", id: "variables", value: q.get("variables") ?? "", placeholder: "N, D or N=params, E=experts" }) };
  const rows = { where: el("input", { type: "text", id: "where", value: q.get("where") ?? "", placeholder: "e.g. loss < 3 and params >= 1e8",
      title: "keep the rows matching this filter: comparisons of columns with numbers or text, joined by and, or, not" }),
    duplicates: el("select", { id: "duplicates" }, ["keep", "mean", "min", "error"].map((v) => el("option", { value: v }, v))),
    group_by: el("input", { type: "text", id: "group-by", value: q.get("group_by") ?? "", placeholder: "optional, e.g. dataset",
      title: "one analysis per group of rows sharing these columns' values (COL or COL,COL), compared in one table" }) };
  rows.duplicates.value = q.get("duplicates") || "keep";
  const go = el("button", { id: "fit-button", type: "button" }, "Fit");
  const isoButton = el("button", { id: "isoflop-button", type: "button", class: "secondary" }, "IsoFLOP (Approach 2)");
  const cancel = el("button", { id: "cancel-button", type: "button", class: "secondary", disabled: true }, "Cancel");
  const bar = el("progress", { id: "progress", max: 1, value: 0 });
  const status = el("span", { id: "status", class: "muted" });
  const error = el("div", { class: "error", id: "error" });
  const out = el("div", { id: "fit-result" });
  const copy = el("div");
  const jobs = el("table", { id: "jobs", class: "data" });

  // Every job on this server (from any tab or a curl), newest first; a running one has a Cancel button.
  const refreshJobs = async () => {
    let list;
    try { list = await api("/fit/jobs"); } catch (e) { return; }
    const cancelButton = (j) => el("button", { type: "button", class: "secondary job-cancel", onclick: async (event) => {
      event.target.disabled = true;
      try { await api(`/fit/jobs/${j.id}`, { method: "DELETE" }); } catch (e) { error.textContent = e.message; }
      refreshJobs();
    } }, "Cancel");
    jobs.replaceChildren(el("tr", {}, ["job", "kind", "status", "created (UTC)", "progress", ""].map((h) => el("th", {}, h))),
      ...(list.length ? list.map((j) => el("tr", { "data-job": j.id },
        el("td", {}, el("code", {}, j.id)), el("td", {}, j.kind), el("td", { class: "job-status" }, j.status),
        el("td", {}, j.created.replace("T", " ").replace("Z", "")), el("td", {}, `${Math.round(100 * j.progress)}% (${j.done} / ${j.total})`),
        el("td", {}, j.status === "running" ? cancelButton(j) : "")))
        : [el("tr", {}, el("td", { class: "muted", colspan: 6 }, "no jobs yet"))]));
  };

  // An upload is kept on the server by its content hash, which the permalink carries (upload=...): the table
  // itself never travels in the URL, and a permalink whose table has gone says so instead of using another.
  let uploadKey = q.get("upload") || "", uploaded = null, uploading = Promise.resolve();
  const uploadStatus = el("span", { id: "upload-status", class: "muted" });
  const useUpload = (found) => { uploaded = found; uploadKey = found.upload; uploadStatus.textContent = `${found.name} (${found.upload})`; };
  if (uploadKey) {
    uploading = api(`/uploads/${encodeURIComponent(uploadKey)}`).then((found) => { useUpload(found); update(); },
      (e) => { error.textContent = e.message; });
  }
  file.addEventListener("change", async () => {
    if (!file.files.length) return;
    dataset.value = ""; error.textContent = ""; uploadStatus.textContent = "uploading…";
    const form = new FormData();
    form.append("file", file.files[0]);
    uploading = api("/uploads", { form }).then(useUpload, (e) => { uploaded = null; uploadStatus.textContent = ""; error.textContent = e.message; });
    const head = (await file.files[0].slice(0, 4096).text()).split(/\r?\n/)[0];
    names.replaceChildren(...head.split(",").map((c) => el("option", { value: c.trim() })));
    await uploading;
    update();
  });

  const runsArg = () => dataset.value || (uploaded ? uploaded.name : "runs.csv");
  // the table and law above, for the "what to train next" section
  const chosenTable = () => ({
    dataset: dataset.value, upload: uploaded ? uploaded.upload : "", ready: Boolean(dataset.value || uploaded),
    columns: Object.fromEntries(Object.entries(columns).map(([key, input]) => [key, input.value.trim()]).filter(([, value]) => value)),
    law: law.value, formula: own.formula.value.trim(), variables: own.variables.value.trim(),
  });
  const suggest = suggestSection(q, { current: chosenTable, settled: () => uploading }, () => update());

  main.append(
    el("h1", {}, "Fit a scaling law to your runs"),
    el("p", { class: "lead" }, "Upload a table of training runs (CSV, Parquet or JSONL: parameters, tokens or compute, final loss) or pick a bundled set; fit a law with bootstrap intervals; then use the fit on the Plan page."),
    el("div", { class: "controls" }, field("bundled runs", dataset), field("or upload", file), uploadStatus, field("law", law), field("estimator", estimator),
      field("objective", objective), field("bootstrap refits", opts.bootstrap), field("seed", opts.seed),
      field("drop K highest-loss runs", opts.drop_highest_loss), field("backtest: hold out C above", opts.holdout_above)),
    el("div", { class: "controls" }, field("N column", columns.n_col), field("D column", columns.d_col), field("C column", columns.c_col), field("loss column", columns.loss_col), names),
    el("div", { class: "controls" }, field("keep rows where", rows.where), field("repeated (N, D) settings", rows.duplicates),
      field("one analysis per group of", rows.group_by)),
    el("div", { class: "controls" }, field("your own law (instead of law)", own.formula), field("its inputs", own.variables)),
    el("p", {}, go, " ", isoButton, " ", cancel, " ", bar, " ", status), error, copy, out,
    suggest.node,
    el("h2", {}, "Fit jobs on this server"), el("div", { class: "scroll" }, jobs));
  refreshJobs();
  setInterval(refreshJobs, 2000);

  let job = null, source = null;
  const formOf = (kind) => {
    const form = new FormData();
    if (dataset.value) form.append("dataset", dataset.value);
    else if (uploaded) form.append("upload", uploaded.upload);
    for (const [key, input] of Object.entries(columns)) if (input.value.trim()) form.append(key, input.value.trim());
    form.append("seed", opts.seed.value);
    form.append("bootstrap", opts.bootstrap.value);
    if (rows.where.value.trim()) form.append("where", rows.where.value.trim());
    if (rows.duplicates.value !== "keep") form.append("duplicates", rows.duplicates.value);
    const grouped = rows.group_by.value.trim();
    if (grouped) form.append("group_by", grouped);
    if (kind === "fit") {
      if (own.formula.value.trim()) { form.append("formula", own.formula.value.trim()); form.append("variables", own.variables.value.trim()); }
      else form.append("law", law.value);
      if (estimator.value !== "fast") form.append("estimator", estimator.value);
      if (objective.value !== "huber") form.append("objective", objective.value);  // a default is left out (the accuracy law takes no objective)
      form.append("drop_highest_loss", opts.drop_highest_loss.value);
      if (opts.holdout_above.value.trim() && !grouped) form.append("holdout_above", opts.holdout_above.value.trim());
      if (!grouped && !own.formula.value.trim() && (law.value === "chinchilla" || law.value === "kaplan")) form.append("compute", FIT_GRID);
    }
    return form;
  };
  let ran = q.get("run") || "";  // a permalink to a fit runs it again on load
  const update = () => {
    const upload = dataset.value ? "" : uploadKey;
    const state = { dataset: dataset.value, upload, law: law.value, estimator: estimator.value === "fast" ? "" : estimator.value,
      objective: objective.value === "huber" ? "" : objective.value, run: dataset.value || upload ? ran : "" };
    for (const [key, input] of Object.entries(opts)) state[key] = input.value;
    for (const [key, input] of Object.entries(columns)) state[key] = input.value;
    for (const [key, input] of Object.entries(own)) state[key] = input.value;
    state.where = rows.where.value; state.duplicates = rows.duplicates.value === "keep" ? "" : rows.duplicates.value;
    state.group_by = rows.group_by.value;
    Object.assign(state, suggest.state());
    if (!dataset.value && !upload) state.suggest = "";
    saveState(state);
    showCopy("fit");
  };
  // the command and the Python are written by the server from the options' declarations, for the form sent
  const showCopy = (kind) => showSnippets(copy, kind, dataset.value || uploaded ? { form: formOf(kind) } : null);
  for (const input of [dataset, law, estimator, objective, ...Object.values(opts), ...Object.values(columns), ...Object.values(own), ...Object.values(rows)]) input.addEventListener("change", update);
  update();

  const start = async (kind) => {
    await uploading;
    if (!dataset.value && !uploaded) { if (!error.textContent) error.textContent = "choose a bundled runs table or upload one"; return; }
    if (kind === "isoflop") showCopy("isoflop"); else update();
    error.textContent = ""; out.replaceChildren();
    go.disabled = isoButton.disabled = true; cancel.disabled = false; bar.value = 0; status.textContent = "starting";
    const done = () => { go.disabled = isoButton.disabled = false; cancel.disabled = true; if (source) source.close(); source = null; refreshJobs(); };
    try {
      job = await api(kind === "fit" ? "/fit/jobs" : "/isoflop/jobs", { form: formOf(kind) });
    } catch (e) { error.textContent = e.message; status.textContent = ""; done(); return; }
    refreshJobs();
    source = new EventSource(`${API}/fit/jobs/${job.id}/events`);
    source.addEventListener("progress", (event) => {
      const p = JSON.parse(event.data); bar.max = p.total; bar.value = p.done; status.textContent = `${p.label}: ${p.done} / ${p.total}`;
    });
    source.addEventListener("result", (event) => {
      const p = JSON.parse(event.data); bar.max = 1; bar.value = 1; status.textContent = `done in ${p.seconds.toFixed(1)} s`;
      ran = kind; if (kind === "isoflop") showCopy("isoflop"); else update();
      done(); showFit(out, kind, p.result, p.charts, runsArg());
    });
    source.addEventListener("error", (event) => {
      if (event.data) { error.textContent = JSON.parse(event.data).error; status.textContent = ""; }
      else if (source && source.readyState === EventSource.CLOSED) status.textContent = "connection lost";
      done();
    });
    source.addEventListener("cancelled", () => { status.textContent = "cancelled"; done(); });
  };
  go.addEventListener("click", () => start("fit"));
  isoButton.addEventListener("click", () => start("isoflop"));
  if (ran && (dataset.value || uploadKey)) start(ran === "isoflop" ? "isoflop" : "fit");
  if (dataset.value || uploadKey) suggest.runOnLoad();
  cancel.addEventListener("click", async () => { if (job) { try { await api(`/fit/jobs/${job.id}`, { method: "DELETE" }); } catch (e) { error.textContent = e.message; } } });
}

function fitBands(result) {
  const budgets = (result.derived && result.derived.budgets) || [];
  if (!budgets.length || !budgets[0].n_opt_interval) return null;
  return budgets.map((b) => [b.compute, ...b.n_opt_interval, ...b.d_opt_interval, ...b.tokens_per_param_interval, ...b.loss_interval]);
}

function showFit(out, kind, result, charts, runs) {
  const download = () => {
    const blob = new Blob([JSON.stringify(result, null, 2) + "\n"], { type: "application/json" });
    return el("a", { href: URL.createObjectURL(blob), download: kind === "fit" ? "fit.json" : "isoflop.json", id: "download" }, "download the fit JSON");
  };
  const parts = [];
  if (result.groups) {
    showGroups(out, kind, result, charts, download);
    return;
  }
  if (kind === "fit") {
    const names = Object.keys(result.params);
    parts.push(el("h2", {}, `${result.family} law fitted to ${result.n_runs} runs of ${result.data.source}`),
      table(["parameter", "value", "stderr", `${Math.round(100 * result.level)}% interval`],
        names.map((n) => [n, Number(result.params[n]).toPrecision(4), result.stderr ? Number(result.stderr[n]).toPrecision(3) : "-",
          result.intervals ? `${Number(result.intervals[n][0]).toPrecision(4)} to ${Number(result.intervals[n][1]).toPrecision(4)}` : "-"]), { text: [0] }));
    const r = result.diagnostics.residuals;
    parts.push(el("p", {}, `Residuals (${r.space}): RMSE ${r.rmse.toPrecision(3)}, median |r| ${r.median_abs.toPrecision(3)}, max |r| ${r.max_abs.toPrecision(3)}; condition number ${Number(result.diagnostics.condition_number).toPrecision(3)}.`));
    parts.push(notesList([...(result.data.notes || []), ...(result.notes || [])],
      [...(result.diagnostics.warnings || []), ...((result.backtest && result.backtest.warnings) || []), ...(result.warnings || [])]));
    const bt = result.backtest;
    if (bt) {
      parts.push(el("h2", {}, "Backtest"), el("p", {}, `${bt.method}: mean absolute error ${Number(bt.mape).toFixed(2)}% of the loss (bias ${Number(bt.bias_percent).toFixed(2)}%); ` +
        `the ${Math.round(100 * bt.level)}% prediction interval covers ${pct(bt.coverage)} of the held-out runs (the bootstrap interval of the mean curve ${pct(bt.coverage_bootstrap)}).`));
      if (bt.rows) parts.push(table(["row", "C (FLOP)", "observed", "predicted", "error", "prediction interval"],
        bt.rows.slice(0, 40).map((r) => [r.row, sci(r.compute), Number(r.observed).toFixed(4), Number(r.predicted).toFixed(4), `${Number(r.error_percent).toFixed(2)}%`,
          `${Number(r.prediction_interval[0]).toFixed(3)} to ${Number(r.prediction_interval[1]).toFixed(3)}`])));
    }
    const name = `fit: ${runs} (${result.family})`;
    const fit = { name, file: "fit.json", law: result.law, bands: fitBands(result), fitted_range: result.data.fitted_range };
    const use = el("button", { type: "button", id: "use-on-plan", onclick: () => {
      storeFit({ ...fit, onPlan: true });
      const laws = "besiroglu2024,hoffmann2022";
      location.href = `/plan?laws=${laws}&fits=${b64encode(JSON.stringify([fit]))}`;
    } }, "Use this fit on the Plan page");
    // the Plan page takes laws of the built-in families; a formula fit is planned from the command line
    parts.push(result.family === "formula" ? el("p", {}, download(), " ", el("span", { class: "muted" }, "plan with it: scalinglab plan --law fit.json"))
      : el("p", {}, use, " ", download()));
    const target = el("div", { class: "chart", id: "fit-chart" });
    parts.push(target);
    out.replaceChildren(...parts, stamp(result.bootstrap ? result.bootstrap.seed : undefined));
    chart(target, charts.fit);
  } else {
    const interval = (v) => (v ? `${Number(v[0]).toFixed(3)} to ${Number(v[1]).toFixed(3)}` : "-");
    parts.push(el("h2", {}, `IsoFLOP Approach ${result.approach}: N_opt = G C^a on ${result.source}`),
      el("p", {}, `a = ${Number(result.a).toFixed(3)} (${Math.round(100 * result.level)}% interval ${interval(result.a_interval)}), ` +
        `G = ${Number(result.G).toPrecision(3)}; b (D_opt exponent) = ${result.b === null || result.b === undefined ? "-" : Number(result.b).toFixed(3)}. Hoffmann et al. report a = 0.49 for Approach 2 (Table 2).`),
      table(["budget (FLOP)", "runs", "N_opt", "D_opt", "D/N", "min loss", "used"], (result.points || []).map((p) => [sci(p.compute), p.runs,
        p.used ? si(p.n_opt) : "-", p.used ? si(p.d_opt) : "-", p.used ? sig(p.tokens_per_param) : "-",
        p.loss_min === null || p.loss_min === undefined ? "-" : Number(p.loss_min).toFixed(4), p.used ? "yes" : (p.note || "no")]), { text: [6] }),
      notesList(result.notes, result.warnings),
      el("p", {}, download()));
    const a = el("div", { class: "chart", id: "isoflop-chart" }), b = el("div", { class: "chart" });
    out.replaceChildren(...parts, a, b, stamp());
    chart(a, charts.isoflop); chart(b, charts.n_opt);
  }
}

// One analysis per group of rows: the comparison table the CLI prints, each group's warnings labelled.
function showGroups(out, kind, result, charts, download) {
  const label = (g) => Object.values(g.group).join(" / ");
  const interval = (v) => (v ? `${sig(v[0])} to ${sig(v[1])}` : "-");
  const names = kind === "fit" ? [...new Set(result.groups.flatMap((g) => Object.keys(g.params || {})))] : [];
  const head = kind === "fit" ? ["group", "runs", ...names] : ["group", "runs", "a", `interval`, "Approach 3 a", "D/N at largest budget", "budgets"];
  const body = result.groups.map((g) => (kind === "fit"
    ? [label(g), g.runs, ...names.map((n) => (g.params && g.params[n] !== undefined ? sig(g.params[n]) : "-"))]
    : [label(g), g.runs, sig(g.a), interval(g.a_interval), g.approach3_a === null || g.approach3_a === undefined ? "-" : sig(g.approach3_a),
      g.tokens_per_param_at_largest ? sig(g.tokens_per_param_at_largest) : "-", g.budgets_used]));
  const warnings = result.groups.flatMap((g) => (g.warnings || []).map((w) => `${label(g)}: ${w}`));
  const target = el("div", { class: "chart", id: "groups-chart" });
  out.replaceChildren(
    el("h2", {}, `${kind === "fit" ? `${result.law} law fitted` : "IsoFLOP"} per ${result.group_by.join(", ")} on ${result.source}`),
    el("div", { class: "scroll" }, table(head, body, { text: [0] })), notesList(result.notes || [], warnings),
    el("p", {}, download()), ...(charts && charts.fit ? [target] : []), stamp());
  if (charts && charts.fit) chart(target, charts.fit);
}
