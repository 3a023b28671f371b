// scalinglab explorer: one page per view; the whole state of a view lives in the URL's query string.
// Every text that came from a user or a file is put into the page with textContent, never as HTML.
(() => {
"use strict";

const API = "/api/v1";
const META = { version: "?", data_version: "?", default_law: "besiroglu2024" };
const FIT_STORE = "scalinglab.fits";

// -- small helpers ---------------------------------------------------------------------------------
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "value") node.value = value;
    else if (key === "checked") node.checked = !!value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function params() { return new URLSearchParams(location.search); }

function saveState(values) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null || value === "" || value === false) continue;
    query.set(key, value === true ? "1" : String(value));
  }
  const url = location.pathname + (query.toString() ? "?" + query.toString() : "");
  if (url !== location.pathname + location.search) history.replaceState(null, "", url);
}

function b64encode(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function b64decode(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

async function api(path, options = {}) {
  const init = { method: options.method || (options.json || options.form ? "POST" : "GET"), headers: {} };
  if (options.json) { init.body = JSON.stringify(options.json); init.headers["Content-Type"] = "application/json"; }
  if (options.form) init.body = options.form;
  const response = await fetch(API + path, init);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
  if (!response.ok) {
    const message = data && data.error ? data.error : `HTTP ${response.status}`;
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return data;
}

function si(value, digits = 3) {
  if (value === null || value === undefined || Number.isNaN(value)) return "-";
  const abs = Math.abs(value);
  const units = [[1e15, "P"], [1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "K"]];
  for (const [scale, suffix] of units) if (abs >= scale) return +(value / scale).toPrecision(digits) + suffix;
  return String(+value.toPrecision(digits));
}

// significant digits, never "0.0": 0.0821, 2.6, 18.3, 1.2K
function sig(value, digits = 3) { return value === null || value === undefined || Number.isNaN(Number(value)) ? "-" : si(Number(value), digits); }

// What the CLI prints after a result as "note: ..." and "warning: ...", shown beside the result on the page.
function notesList(notes, warnings) {
  const shown = new Set();
  const items = [];
  for (const [kind, list] of [["warning", warnings], ["note", notes]]) {
    for (const text of list || []) {
      const line = String(text).replace(/^(warning|note): /, "");
      if (shown.has(line)) continue;
      shown.add(line);
      items.push(el("li", { class: kind }, el("b", {}, kind + ": "), line));
    }
  }
  return items.length ? el("ul", { class: "notes" }, items) : null;
}

function sci(value) { return value === null || value === undefined ? "-" : Number(value).toExponential(2).replace("e+", "e"); }
function money(value) { return value === null || value === undefined ? "-" : "$" + si(value); }
function pct(value) { return value === null || value === undefined ? "-" : (100 * value).toFixed(1) + "%"; }
function year(value) { return value === null || value === undefined ? "not reached" : Number(value).toFixed(1); }

function table(columns, rows, options = {}) {
  const head = el("tr", {}, columns.map((c, i) => el("th", {
    class: (options.text || []).includes(i) ? "text" + (options.sortable ? " sortable" : "") : (options.sortable ? "sortable" : null),
    title: options.sortable ? "sort" : null,
  }, c)));
  const body = el("tbody");
  const cell = (value, i) => {
    const v = value && typeof value === "object" && !(value instanceof Node) ? value : { text: value };
    return el("td", { class: (options.text || []).includes(i) ? "text" : null, title: v.title }, v.node || v.text);
  };
  const fill = (data) => { body.replaceChildren(...data.map((row) => el("tr", {}, row.map(cell)))); };
  fill(rows);
  const node = el("table", { class: "data" }, el("thead", {}, head), body);
  const wrapper = el("div", { class: "scroll" }, node);  // a wide table scrolls inside itself, not the page
  if (options.sortable) {
    let last = -1, direction = 1;
    head.querySelectorAll("th").forEach((th, i) => th.addEventListener("click", () => {
      direction = last === i ? -direction : 1; last = i;
      const key = (row) => { const v = row[i]; const s = v && typeof v === "object" ? (v.sort ?? v.text) : v; return s; };
      const sorted = [...rows].sort((a, b) => {
        const x = key(a), y = key(b);
        if (typeof x === "number" && typeof y === "number") return direction * (x - y);
        return direction * String(x).localeCompare(String(y));
      });
      fill(sorted);
    }));
  }
  return wrapper;
}

// The chart fitted to its box: a single view takes the box's width ("container"); side-by-side panels wrap
// into as many columns as fit, and the legend moves below them on a narrow screen.
const LEGEND_PX = 170, PANEL_GAP_PX = 70;

function fitSpec(spec, width) {
  const narrow = width < 640;
  const fitted = { ...spec, config: { ...(spec.config || {}) } };
  fitted.config.title = { ...(fitted.config.title || {}), limit: width - 30 };  // a long title ends in "…", the chart keeps its width
  if (narrow) {
    fitted.config.legend = { ...(fitted.config.legend || {}), orient: "bottom", columns: 2, labelLimit: Math.floor(width / 3) };
    fitted.config.axis = { ...(fitted.config.axis || {}), labelLimit: Math.floor(width / 4) };
  }
  if (typeof spec.width === "number" && !spec.hconcat && !spec.vconcat && !spec.concat) {
    return { ...fitted, width: "container", autosize: { type: "fit-x", contains: "padding" } };
  }
  return fitView(fitted, width - (narrow ? 20 : LEGEND_PX));
}

function fitView(view, room) {
  if (Array.isArray(view.vconcat)) return { ...view, vconcat: view.vconcat.map((child) => fitView(child, room)) };
  const panels = view.hconcat || view.concat;
  if (Array.isArray(panels)) {
    if (!panels.every((panel) => typeof panel.width === "number")) return view;
    const widest = Math.max(...panels.map((panel) => panel.width));
    const columns = Math.max(1, Math.min(view.columns || panels.length, Math.floor(room / (widest + PANEL_GAP_PX))));
    const width = Math.max(120, Math.min(widest, Math.floor(room / columns) - PANEL_GAP_PX));
    const { hconcat, ...rest } = view;
    return { ...rest, concat: panels.map((panel) => ({ ...panel, width })), columns };
  }
  return typeof view.width === "number" ? { ...view, width: Math.max(120, Math.min(view.width, room - PANEL_GAP_PX)) } : view;
}

function scaleWidths(view, factor) {
  if (Array.isArray(view)) return view.map((child) => scaleWidths(child, factor));
  if (!view || typeof view !== "object") return view;
  const out = {};
  for (const [key, value] of Object.entries(view)) {
    if (key === "datasets" || key === "data" || key === "config") out[key] = value;
    else if (key === "width" && typeof value === "number") out[key] = Math.max(80, Math.floor(value * factor));
    else out[key] = scaleWidths(value, factor);
  }
  return out;
}

const CHART_SPECS = new Map();  // chart box -> { spec, width it was drawn at }
const chartResize = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(debounce(() => {
  for (const [target, shown] of CHART_SPECS) {
    if (!target.isConnected) { CHART_SPECS.delete(target); chartResize.unobserve(target); }
    else if (Math.abs(target.clientWidth - shown.width) > 40) chart(target, shown.spec);
  }
}, 250));

async function chart(target, spec) {
  target.replaceChildren();
  if (!window.vegaEmbed) { target.textContent = "charts unavailable (vega.js did not load)"; return; }
  const width = target.clientWidth || document.documentElement.clientWidth;
  CHART_SPECS.set(target, { spec, width });
  if (chartResize) chartResize.observe(target);
  const options = { renderer: "svg", actions: { export: true, source: false, compiled: false, editor: false },
    tooltip: { theme: "light" } };
  let fitted = fitSpec(spec, width);
  let result = await window.vegaEmbed(target, fitted, options);
  // legends and labels take what they need: while the drawing is still wider than its box, every panel shrinks
  for (let tries = 0; tries < 4; tries++) {
    const drawn = Math.max(0, ...[...target.querySelectorAll("svg")].map((svg) => svg.getBoundingClientRect().width));
    if (drawn <= width + 1) break;
    fitted = scaleWidths(fitted, 0.95 * width / drawn);
    result.finalize();
    target.replaceChildren();
    result = await window.vegaEmbed(target, fitted, options);
  }
  target.dataset.rendered = String(Number(target.dataset.rendered || 0) + 1);
  return result;
}

function copyBox(cli, python) {
  const block = (title, text) => {
    const pre = el("pre", {}, text);
    const button = el("button", { class: "secondary", type: "button", onclick: async () => {
      try { await navigator.clipboard.writeText(text); button.textContent = "copied"; }
      catch (e) { button.textContent = "select and copy"; }
      setTimeout(() => { button.textContent = "copy"; }, 1500);
    } }, "copy");
    return el("div", {}, el("div", { class: "head" }, el("span", {}, title), button), pre);
  };
  return el("div", { class: "copy" }, block("Copy as CLI command", cli), block("Copy as Python", python));
}

function stamp(seed) {
  const parts = [`scalinglab ${META.version}`, `data ${META.data_version}`];
  if (seed !== undefined) parts.push(`seed ${seed}`);
  return el("p", { class: "stamp" }, parts.join(" · "));
}

function shellQuote(text) { return /^[A-Za-z0-9._:,+\-\/=]+$/.test(text) ? text : "'" + String(text).replace(/'/g, "'\\''") + "'"; }
function pyRepr(value) { return typeof value === "number" ? String(value) : JSON.stringify(String(value)); }

function debounce(fn, ms) { let t; return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); }; }

function loadFits() { try { return JSON.parse(localStorage.getItem(FIT_STORE) || "[]"); } catch (e) { return []; } }
function storeFit(fit) {
  const fits = loadFits().filter((f) => f.name !== fit.name);
  fits.unshift(fit);
  localStorage.setItem(FIT_STORE, JSON.stringify(fits.slice(0, 8)));
}

// A fit as a law object: its parameters, and the range of its runs (for the CLI's extrapolation warning).
function lawOfFit(fit) { return { ...fit.law, name: fit.name, ...(fit.fitted_range ? { fitted_range: fit.fitted_range } : {}) }; }

function field(label, input) { return el("label", {}, label, input); }
function check(label, input) { return el("label", { class: "check" }, input, label); }

// -- Plan ------------------------------------------------------------------------------------------
const PLAN_FAMILIES = new Set(["chinchilla", "kaplan", "data-constrained", "allocation"]);

async function pagePlan(main) {
  const q = params();
  const laws = (await api("/laws")).filter((l) => PLAN_FAMILIES.has(l.family));
  const chosen = new Set((q.get("laws") || "besiroglu2024,hoffmann2022").split(",").filter(Boolean));
  let fits = [];
  try { fits = q.get("fits") ? JSON.parse(b64decode(q.get("fits"))) : []; } catch (e) { fits = []; }
  const stored = loadFits();
  for (const fit of stored) if (!fits.some((f) => f.name === fit.name) && q.get("fits") === null && fit.onPlan) fits.push(fit);

  const budget = el("input", { type: "text", id: "budget", value: q.get("compute") || "5.76e23", title: "FLOP, e.g. 5.76e23 or 1e25" });
  const slider = el("input", { type: "range", id: "budget-slider", min: 18, max: 28, step: 0.05 });
  const variant = el("select", { id: "variant" }, ["optimal", "data-constrained", "inference"].map((v) => el("option", { value: v }, v)));
  variant.value = q.get("variant") || "optimal";
  const unique = el("input", { type: "text", id: "unique-tokens", value: q.get("unique_tokens") || "100B" });
  const inference = el("input", { type: "text", id: "inference-tokens", value: q.get("inference_tokens") || "2T" });
  const boxes = laws.map((l) => el("input", { type: "checkbox", value: l.name, checked: chosen.has(l.name) }));
  const fitBoxes = fits.map((f) => el("input", { type: "checkbox", value: f.name, checked: true }));
  const error = el("div", { class: "error", id: "error" });
  const target = el("div", { class: "chart", id: "plan-chart" });
  const results = el("div", { id: "plan-table" });
  const copy = el("div");

  const syncSlider = () => { const v = Number(budget.value.replace(/[^0-9.eE+-]/g, "")); if (v > 0) slider.value = Math.log10(v); };
  syncSlider();
  slider.addEventListener("input", () => { budget.value = Number(Math.pow(10, Number(slider.value)).toPrecision(3)).toExponential().replace("e+", "e"); redraw(); });
  budget.addEventListener("change", () => { syncSlider(); redraw(); });

  main.append(
    el("h1", {}, "Plan: compute-optimal model size and data"),
    el("p", { class: "lead" }, "For a training budget C, the parameters N and tokens D that minimise the predicted loss under each law (C = 6ND). ",
      "Compare Hoffmann et al.'s published Approach 3 fit with Besiroglu et al.'s replication: the tokens-per-parameter panel shows the discrepancy at a glance."),
    el("div", { class: "controls" },
      field("training compute C (FLOP)", budget), field("budget (log10 FLOP)", slider), field("variant", variant),
      field("unique tokens (data-constrained)", unique), field("inference tokens (inference-aware)", inference),
      el("fieldset", {}, el("legend", {}, "published laws"), laws.map((l, i) => check(l.name, boxes[i]))),
      fits.length ? el("fieldset", {}, el("legend", {}, "your fits"), fits.map((f, i) => check(f.name, fitBoxes[i]))) : null,
    ),
    error, target, results, copy, stamp());
  for (const input of [variant, unique, inference, ...boxes, ...fitBoxes]) input.addEventListener("change", () => redraw());

  let sequence = 0;
  const redraw = debounce(async () => {
    const mine = ++sequence;
    const selected = boxes.filter((b) => b.checked).map((b) => b.value);
    const selectedFits = fits.filter((f, i) => fitBoxes[i].checked);
    saveState({ compute: budget.value, variant: variant.value === "optimal" ? "" : variant.value,
      unique_tokens: variant.value === "data-constrained" ? unique.value : "",
      inference_tokens: variant.value === "inference" ? inference.value : "",
      laws: selected.join(","), fits: selectedFits.length ? b64encode(JSON.stringify(selectedFits)) : "" });
    const request = {
      laws: [...selected, ...selectedFits.map((f) => lawOfFit(f))], compute: budget.value,
      variant: variant.value, bands: Object.fromEntries(selectedFits.filter((f) => f.bands).map((f) => [f.name, f.bands])),
    };
    if (variant.value === "data-constrained") request.unique_tokens = unique.value;
    if (variant.value === "inference") request.inference_tokens = inference.value;
    copy.replaceChildren(copyBox(planCli(request, selected, selectedFits), planPython(request, selected, selectedFits)));
    if (!request.laws.length) { error.textContent = "choose at least one law"; return; }
    try {
      const data = await api("/charts/plan", { json: request });
      if (mine !== sequence) return;
      error.textContent = "";
      await chart(target, data.spec);
      results.replaceChildren(el("h2", {}, `At C = ${sci(data.compute)} FLOP`), table(
        ["law", "N (params)", "D (tokens)", "D/N", "loss", "method"],
        data.budget.map((p) => [p.law, si(p.n_opt), si(p.d_opt), sig(p.tokens_per_param),
          p.loss === null ? "-" : Number(p.loss).toFixed(4), p.method]), { text: [0, 5] }),
        notesList([], data.budget.flatMap((p) => (p.warnings || []).map((w) => `${p.law}: ${w}`))),
        ...(data.skipped || []).map((s) => el("p", { class: "muted" }, `${s.law} left out: ${s.error}`)));
    } catch (e) { if (mine === sequence) error.textContent = e.message; }
  }, 120);
  redraw();
}

function planCli(request, published, fits) {
  const extra = request.variant === "data-constrained" ? ` --unique-tokens ${shellQuote(request.unique_tokens)}`
    : request.variant === "inference" ? ` --inference-tokens ${shellQuote(request.inference_tokens)}` : "";
  const lines = published.map((name) => `scalinglab plan --compute ${shellQuote(request.compute)} --law ${name}${extra}`);
  for (const fit of fits) lines.push(`scalinglab plan --compute ${shellQuote(request.compute)} --law ${shellQuote(fit.file || "fit.json")}${extra}`);
  return lines.join("\n");
}

function planPython(request, published, fits) {
  const extra = request.variant === "data-constrained" ? `, unique_tokens=${pyRepr(request.unique_tokens)}`
    : request.variant === "inference" ? `, inference_tokens=${pyRepr(request.inference_tokens)}` : "";
  const lines = ["import scalinglab as sl", ""];
  for (const name of published) lines.push(`sl.plan(compute=${pyRepr(request.compute)}, law=${pyRepr(name)}${extra})`);
  for (const fit of fits) lines.push(`sl.plan(compute=${pyRepr(request.compute)}, law=${pyRepr(fit.file || "fit.json")}${extra})`);
  return lines.join("\n");
}

// -- Cost ------------------------------------------------------------------------------------------
const COST_ROWS = [
  ["days", "wall-clock days", sig], ["gpu_hours", "GPU-hours", si],
  ["cloud_cost_usd", "cloud cost", money], ["owned_cost_usd", "owned cost", money],
  ["energy_mwh", "energy (MWh)", si], ["co2_t", "CO2 (t)", si],
  ["mfu", "MFU", pct], ["goodput", "goodput", pct], ["achieved_flops_per_gpu", "achieved FLOP/s per GPU", sci],
];

async function pageCost(main) {
  const q = params();
  const hardware = await api("/hardware");
  const gpu = el("select", { id: "gpu" }, hardware.map((a) => el("option", { value: a.name }, a.name)));
  gpu.value = q.get("gpu") || "h100-sxm";
  const inputs = {
    flops: el("input", { type: "text", id: "flops", value: q.get("flops") ?? "3.8e25" }),
    gpus: el("input", { type: "text", id: "gpus", value: q.get("gpus") ?? "16384" }),
    mfu: el("input", { type: "text", id: "mfu", value: q.get("mfu") ?? "0.3 to 0.45", title: "a number, a percentage or a range 'lo to hi'" }),
    goodput: el("input", { type: "text", id: "goodput", value: q.get("goodput") ?? "", placeholder: "0.79 (default)", title: "share of wall-clock time on useful steps, in (0, 1]; empty: 0.79, sourced range 0.65-0.97" }),
    samples: el("input", { type: "number", id: "samples", value: q.get("samples") ?? "10000", min: 1 }),
    seed: el("input", { type: "number", id: "seed", value: q.get("seed") ?? "0", min: 0 }),
  };
  const cluster = el("input", { type: "checkbox", id: "cluster-model", checked: q.get("cluster_model") === "1" });
  const dollars = el("input", { type: "text", id: "dollars", value: q.get("dollars") ?? "100M" });
  const basis = el("select", { id: "basis" }, el("option", { value: "cloud" }, "cloud"), el("option", { value: "owned" }, "owned"));
  basis.value = q.get("basis") || "cloud";
  const lawNames = (await api("/laws")).filter((l) => l.family === "chinchilla" || l.family === "kaplan").map((l) => l.name);
  let fits = loadFits();
  try { if (q.get("fit")) { const fit = JSON.parse(b64decode(q.get("fit"))); fits = [fit, ...fits.filter((f) => f.name !== fit.name)]; } } catch (e) { /* ignore a bad permalink */ }
  const law = el("select", { id: "budget-law" }, lawNames.map((n) => el("option", { value: n }, n)), fits.map((f) => el("option", { value: f.name }, f.name)));
  law.value = q.get("law") || META.default_law;
  const lawOf = () => { const fit = fits.find((f) => f.name === law.value); return fit ? lawOfFit(fit) : law.value; };
  const error = el("div", { class: "error", id: "error" });
  const out = el("div", { id: "cost-result" });
  const buyError = el("div", { class: "error" });
  const buy = el("div", { id: "budget-result" });
  const copy = el("div");
  const clusterChart = el("div", { class: "chart", id: "cluster-chart" });

  const catalogue = table(
    ["name", "vendor", "default precision", "peak TFLOP/s", "FP8 TFLOP/s", "memory GB", "TDP W", "price", "cloud $/h"],
    hardware.map((a) => {
      const src = (key) => (a.sources && a.sources[key] ? [a.sources[key].citation, a.sources[key].locator, a.sources[key].identifier].filter(Boolean).join(", ") : undefined);
      const peak = a.peak_flops[a.default_precision];
      return [a.name, a.vendor, a.default_precision,
        { text: peak ? (peak / 1e12).toFixed(0) : "-", sort: peak || 0, title: src(a.default_precision) },
        { text: a.peak_flops.fp8 ? (a.peak_flops.fp8 / 1e12).toFixed(0) : "-", sort: a.peak_flops.fp8 || 0, title: src("fp8") },
        { text: a.memory_bytes ? (a.memory_bytes / 1e9).toFixed(0) : "-", sort: a.memory_bytes || 0, title: src("memory_bytes") },
        { text: a.tdp_watts ?? "-", sort: a.tdp_watts || 0, title: src("tdp_watts") },
        { text: money(a.release_price_usd), sort: a.release_price_usd || 0, title: src("release_price_usd") },
        { text: a.cloud_usd_per_hour ? `$${a.cloud_usd_per_hour.toFixed(2)}` : "-", sort: a.cloud_usd_per_hour || 0, title: src("cloud_usd_per_hour") }];
    }), { sortable: true, text: [0, 1] });

  main.append(
    el("h1", {}, "Cost and budget"),
    el("p", { class: "lead" }, "Time, dollars, energy and CO2 of a training run on a catalogue accelerator. Any input may be a range such as '0.3 to 0.45' (a lognormal 90% interval); the result then shows 5th-95th percentile bands."),
    el("div", { class: "controls" }, field("training FLOP", inputs.flops), field("accelerator", gpu), field("accelerators G", inputs.gpus),
      field("MFU", inputs.mfu), field("goodput", inputs.goodput), check("utilisation falls with cluster size", cluster), field("samples", inputs.samples), field("seed", inputs.seed)),
    error, out, copy,
    el("h2", {}, "What does a budget buy?"),
    el("div", { class: "controls" }, field("dollars", dollars), field("basis", basis), field("law (published or your fit)", law)), buyError, buy,
    el("h2", {}, "Utilisation against cluster size"), clusterChart,
    el("h2", {}, "Accelerator catalogue (hover a value for its source; click a header to sort)"), catalogue,
    stamp());

  const run = debounce(async () => {
    const request = { flops: inputs.flops.value, gpu: gpu.value, gpus: inputs.gpus.value, mfu: inputs.mfu.value,
      cluster_model: cluster.checked, samples: Number(inputs.samples.value), seed: Number(inputs.seed.value) };
    if (cluster.checked) delete request.mfu;
    if (inputs.goodput.value.trim()) request.goodput = inputs.goodput.value.trim();
    const chosenFit = fits.find((f) => f.name === law.value);
    saveState({ ...request, dollars: dollars.value, basis: basis.value === "cloud" ? "" : basis.value, law: law.value,
      fit: chosenFit ? b64encode(JSON.stringify(chosenFit)) : "" });
    const cli = `scalinglab cost --compute ${shellQuote(request.flops)} --gpu ${request.gpu} --gpus ${shellQuote(request.gpus)}` +
      (request.mfu ? ` --mfu ${shellQuote(request.mfu)}` : "") + (cluster.checked ? " --cluster-model" : "") +
      (request.goodput ? ` --goodput ${shellQuote(request.goodput)}` : "") + ` --samples ${request.samples} --seed ${request.seed}`;
    const python = `import scalinglab as sl\n\nsl.cost(compute=${pyRepr(request.flops)}, gpu=${pyRepr(request.gpu)}, gpus=${pyRepr(request.gpus)}` +
      (request.mfu ? `, mfu=${pyRepr(request.mfu)}` : "") + (cluster.checked ? ", cluster_model=True" : "") +
      (request.goodput ? `, goodput=${pyRepr(request.goodput)}` : "") + `, samples=${request.samples}, seed=${request.seed})`;
    copy.replaceChildren(copyBox(cli, python));
    try {
      const data = await api("/cost", { json: request });
      error.textContent = "";
      out.replaceChildren(costTable(data), notesList(data.notes, data.warnings), stamp(data.samples ? request.seed : undefined));
    } catch (e) { error.textContent = e.message; out.replaceChildren(); }
    try {
      // the budget is spent on the cluster described above: its accelerator, MFU (or cluster model) and goodput
      const spend = { dollars: dollars.value, gpu: gpu.value, basis: basis.value, law: lawOf(), goodput: request.goodput,
        mfu: request.mfu, cluster_model: request.cluster_model, samples: request.samples, seed: request.seed };
      if (request.cluster_model) spend.gpus = request.gpus;
      const plan = await api("/budget", { json: spend });
      buyError.textContent = "";
      buy.replaceChildren(table(["FLOP", "N_opt", "D_opt", "D/N", "loss", "GPU-hours", "law"],
        [[sci(plan.flops), si(plan.n_opt), si(plan.d_opt), sig(plan.tokens_per_param), Number(plan.loss).toFixed(4), si(plan.gpu_hours), plan.law]], { text: [6] }),
        notesList(plan.notes, plan.warnings));
    } catch (e) { buyError.textContent = e.message; buy.replaceChildren(); }
  }, 150);
  for (const input of [...Object.values(inputs), gpu, cluster, dollars, basis, law]) input.addEventListener("change", run);
  run();
  api("/charts/cluster", { json: {} }).then((data) => chart(clusterChart, data.spec)).catch((e) => { clusterChart.textContent = e.message; });
}

function costTable(data) {
  const rows = [];
  const pcts = data.percentiles || {};
  const all = COST_ROWS.filter(([key]) => data[key] !== null && data[key] !== undefined);
  for (const [key, label, format] of all) {
    const p = pcts[key];
    if (!p) { rows.push([label, format(data[key]), "-", "-", ""]); continue; }
    // one shared scale for every row: 1/4 to 4 times the median, logarithmic
    const at = (x) => `${Math.min(100, Math.max(0, 50 + 50 * Math.log(x / p.p50) / Math.log(4)))}%`;
    const bar = el("div", { class: "bar", title: `5th-95th percentile: ${format(p.p5)} to ${format(p.p95)} (scale: 1/4 to 4 times the median)` },
      Object.assign(el("span"), { style: `left:${at(p.p5)};right:calc(100% - ${at(p.p95)})` }),
      Object.assign(el("i"), { style: "left:50%" }));
    rows.push([label, format(p.p50), format(p.p5), format(p.p95), { node: bar }]);
  }
  return table(["quantity", "median", "5th pct", "95th pct", "range"], rows, { text: [0] });
}

// -- Fit -------------------------------------------------------------------------------------------
const FIT_GRID = Array.from({ length: 11 }, (_, i) => `1e${18 + i}`).join(",");

async function pageFit(main) {
  const q = params();
  const datasets = await api("/datasets");
  const dataset = el("select", { id: "dataset" }, el("option", { value: "" }, "(upload a file)"),
    datasets.filter((d) => Object.keys(d.columns || {}).length).map((d) => el("option", { value: d.name }, d.name)));
  dataset.value = q.get("dataset") ?? "chinchilla-runs";
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
    duplicates: el("select", { id: "duplicates" }, ["keep", "mean", "min", "error"].map((v) => el("option", { value: v }, v))) };
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

  file.addEventListener("change", async () => {
    if (!file.files.length) return;
    dataset.value = "";
    const head = (await file.files[0].slice(0, 4096).text()).split(/\r?\n/)[0];
    names.replaceChildren(...head.split(",").map((c) => el("option", { value: c.trim() })));
    update();
  });

  main.append(
    el("h1", {}, "Fit a scaling law to your runs"),
    el("p", { class: "lead" }, "Upload a table of training runs (CSV, Parquet or JSONL: parameters, tokens or compute, final loss) or pick a bundled set; fit a law with bootstrap intervals; then use the fit on the Plan page."),
    el("div", { class: "controls" }, field("bundled runs", dataset), field("or upload", file), field("law", law), field("estimator", estimator),
      field("objective", objective), field("bootstrap refits", opts.bootstrap), field("seed", opts.seed),
      field("drop K highest-loss runs", opts.drop_highest_loss), field("backtest: hold out C above", opts.holdout_above)),
    el("div", { class: "controls" }, field("N column", columns.n_col), field("D column", columns.d_col), field("C column", columns.c_col), field("loss column", columns.loss_col), names),
    el("div", { class: "controls" }, field("keep rows where", rows.where), field("repeated (N, D) settings", rows.duplicates)),
    el("div", { class: "controls" }, field("your own law (instead of law)", own.formula), field("its inputs", own.variables)),
    el("p", {}, go, " ", isoButton, " ", cancel, " ", bar, " ", status), error, copy, out,
    el("h2", {}, "Fit jobs on this server"), el("div", { class: "scroll" }, jobs));
  refreshJobs();
  setInterval(refreshJobs, 2000);

  let job = null, source = null;
  const formOf = (kind) => {
    const form = new FormData();
    if (dataset.value) form.append("dataset", dataset.value);
    else if (file.files.length) form.append("file", file.files[0]);
    for (const [key, input] of Object.entries(columns)) if (input.value.trim()) form.append(key, input.value.trim());
    form.append("seed", opts.seed.value);
    form.append("bootstrap", opts.bootstrap.value);
    if (rows.where.value.trim()) form.append("where", rows.where.value.trim());
    if (rows.duplicates.value !== "keep") form.append("duplicates", rows.duplicates.value);
    if (kind === "fit") {
      if (own.formula.value.trim()) { form.append("formula", own.formula.value.trim()); form.append("variables", own.variables.value.trim()); }
      else form.append("law", law.value);
      form.append("estimator", estimator.value); form.append("objective", objective.value);
      form.append("drop_highest_loss", opts.drop_highest_loss.value);
      if (opts.holdout_above.value.trim()) form.append("holdout_above", opts.holdout_above.value.trim());
      if (!own.formula.value.trim() && (law.value === "chinchilla" || law.value === "kaplan")) form.append("budget", FIT_GRID);
    }
    return form;
  };
  const runsArg = () => (dataset.value ? dataset.value : file.files.length ? file.files[0].name : "runs.csv");
  let ran = q.get("run") || "";  // a permalink to a bundled set's fit runs it again on load
  const update = () => {
    const state = { dataset: dataset.value, law: law.value, estimator: estimator.value === "fast" ? "" : estimator.value,
      objective: objective.value === "huber" ? "" : objective.value, run: dataset.value ? ran : "" };
    for (const [key, input] of Object.entries(opts)) state[key] = input.value;
    for (const [key, input] of Object.entries(columns)) state[key] = input.value;
    for (const [key, input] of Object.entries(own)) state[key] = input.value;
    state.where = rows.where.value; state.duplicates = rows.duplicates.value === "keep" ? "" : rows.duplicates.value;
    saveState(state);
    const formula = own.formula.value.trim();
    const flags = formula ? [`--formula ${shellQuote(formula)}`, ...own.variables.value.split(",").filter((v) => v.trim()).map((v) => `--var ${shellQuote(v.trim())}`)]
      : [`--law ${law.value}`];
    if (estimator.value !== "fast") flags.push(`--estimator ${estimator.value}`);
    if (objective.value !== "huber") flags.push(`--objective ${objective.value}`);
    if (Number(opts.bootstrap.value)) flags.push(`--bootstrap ${opts.bootstrap.value}`);
    if (Number(opts.seed.value)) flags.push(`--seed ${opts.seed.value}`);
    if (Number(opts.drop_highest_loss.value)) flags.push(`--drop-highest-loss ${opts.drop_highest_loss.value}`);
    if (opts.holdout_above.value.trim()) flags.push(`--holdout-above ${shellQuote(opts.holdout_above.value.trim())}`);
    flags.push(...tableFlags());
    const grid = !formula && (law.value === "chinchilla" || law.value === "kaplan");
    if (grid) flags.push(`--compute ${FIT_GRID}`);
    const pyArgs = formula ? [`formula=${pyRepr(formula)}`, `variables=${pyRepr(own.variables.value)}`] : [`law=${pyRepr(law.value)}`];
    if (estimator.value !== "fast") pyArgs.push(`estimator=${pyRepr(estimator.value)}`);
    if (objective.value !== "huber") pyArgs.push(`objective=${pyRepr(objective.value)}`);
    if (Number(opts.bootstrap.value)) pyArgs.push(`bootstrap=${Number(opts.bootstrap.value)}`);
    if (Number(opts.seed.value)) pyArgs.push(`seed=${Number(opts.seed.value)}`);
    if (Number(opts.drop_highest_loss.value)) pyArgs.push(`drop_highest_loss=${Number(opts.drop_highest_loss.value)}`);
    if (opts.holdout_above.value.trim()) pyArgs.push(`holdout_above=${pyRepr(opts.holdout_above.value.trim())}`);
    pyArgs.push(...tableArgs());
    if (grid) pyArgs.push(`compute=${pyRepr(FIT_GRID)}`);
    copy.replaceChildren(copyBox(`scalinglab fit ${shellQuote(runsArg())} ${flags.join(" ")} --save fit.json`,
      `import scalinglab as sl\n\nresult = sl.fit(${pyRepr(runsArg())}, ${pyArgs.join(", ")})\nresult.save("fit.json")`));
  };
  // the runs' columns, filter and duplicates policy, as flags and as keyword arguments (fit and isoflop alike)
  function tableFlags() {
    const flags = [];
    for (const [key, input] of Object.entries(columns)) if (input.value.trim()) flags.push(`--${key.replace("_", "-")} ${shellQuote(input.value.trim())}`);
    if (rows.where.value.trim()) flags.push(`--where ${shellQuote(rows.where.value.trim())}`);
    if (rows.duplicates.value !== "keep") flags.push(`--duplicates ${rows.duplicates.value}`);
    return flags;
  }
  function tableArgs() {
    const args = [];
    for (const [key, input] of Object.entries(columns)) if (input.value.trim()) args.push(`${key}=${pyRepr(input.value.trim())}`);
    if (rows.where.value.trim()) args.push(`where=${pyRepr(rows.where.value.trim())}`);
    if (rows.duplicates.value !== "keep") args.push(`duplicates=${pyRepr(rows.duplicates.value)}`);
    return args;
  }
  for (const input of [dataset, law, estimator, objective, ...Object.values(opts), ...Object.values(columns), ...Object.values(own), ...Object.values(rows)]) input.addEventListener("change", update);
  update();

  const isoflopCopy = () => {
    const flags = [`--bootstrap ${opts.bootstrap.value}`];
    if (Number(opts.seed.value)) flags.push(`--seed ${opts.seed.value}`);
    flags.push(...tableFlags());
    copy.replaceChildren(copyBox(`scalinglab isoflop ${shellQuote(runsArg())} ${flags.join(" ")}`,
      `import scalinglab as sl\n\nresult = sl.isoflop(${[pyRepr(runsArg()), `bootstrap=${Number(opts.bootstrap.value)}`, `seed=${Number(opts.seed.value)}`, ...tableArgs()].join(", ")})`));
  };
  const start = async (kind) => {
    if (kind === "isoflop") isoflopCopy(); else update();
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
      ran = kind; if (kind === "isoflop") isoflopCopy(); else update();
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
  if (ran && dataset.value) start(ran === "isoflop" ? "isoflop" : "fit");
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

// -- Forecast --------------------------------------------------------------------------------------
async function pageForecast(main) {
  const q = params();
  const presets = await api("/scenarios");
  const preset = el("select", { id: "preset" }, presets.map((s) => el("option", { value: s.name }, `${s.name}: ${s.title}`)));
  preset.value = q.get("scenario") || "scaling-picture";
  const samples = el("input", { type: "number", id: "samples", value: q.get("samples") ?? "10000", min: 1 });
  const seed = el("input", { type: "number", id: "seed", value: q.get("seed") ?? "0", min: 0 });
  const until = el("input", { type: "number", id: "until", value: q.get("until") ?? "", placeholder: "scenario's" });
  const lawNames = (await api("/laws")).filter((l) => l.family === "chinchilla" || l.family === "data-constrained").map((l) => l.name);
  const law = el("select", { id: "forecast-law" }, el("option", { value: "" }, "(scenario's)"), lawNames.map((n) => el("option", { value: n }, n)));
  law.value = q.get("law") || "";
  const text = el("textarea", { class: "yaml", id: "yaml", spellcheck: "false" });
  const run = el("button", { type: "button", id: "run" }, "Run forecast");
  const exportButton = el("button", { type: "button", id: "export", class: "secondary" }, "Export scenario YAML");
  const importInput = el("input", { type: "file", id: "import", accept: ".yaml,.yml" });
  const error = el("div", { class: "error", id: "error" });
  const out = el("div", { id: "forecast-result" });
  const inputsBox = el("div", { id: "inputs" });
  const target = el("div", { class: "chart", id: "forecast-chart" });
  const copy = el("div");
  let presetText = "";

  main.append(
    el("h1", {}, "Forecast: compute, spending, data and milestones"),
    el("p", { class: "lead" }, "Pick an essay's preset or edit its scenario: every factor is a point or a 'lo to hi' range with its source. The Monte Carlo forecast shows percentile fans, the years milestones are reached and which constraint binds first. Export the YAML to run it with scalinglab forecast --scenario FILE."),
    el("div", { class: "controls" }, field("preset", preset), field("samples", samples), field("seed", seed), field("until", until),
      field("law of the loss", law), run),
    error, out, target,
    el("h2", {}, "Scenario"), el("p", {}, exportButton, " ", field("import a scenario YAML", importInput)), text, inputsBox, copy, stamp());

  const loadPreset = async () => { presetText = await (await fetch(`${API}/scenarios/${encodeURIComponent(preset.value)}/yaml`)).text(); text.value = presetText; };
  if (q.get("yaml")) { await loadPreset(); try { text.value = b64decode(q.get("yaml")); } catch (e) { error.textContent = "the permalink's scenario could not be read"; } }
  else await loadPreset();

  const go = async () => {
    const edited = text.value !== presetText;
    const request = { samples: Number(samples.value), seed: Number(seed.value) };
    if (until.value) request.until = Number(until.value);
    if (law.value) request.law = law.value;
    if (edited) request.yaml = text.value; else request.scenario = preset.value;
    saveState({ scenario: preset.value, samples: samples.value, seed: seed.value, until: until.value, law: law.value,
      yaml: edited ? b64encode(text.value) : "" });
    const scenarioArg = edited ? "scenario.yaml" : preset.value;
    copy.replaceChildren(copyBox(`scalinglab forecast --scenario ${shellQuote(scenarioArg)} --samples ${request.samples} --seed ${request.seed}` +
        (request.until ? ` --until ${request.until}` : "") + (request.law ? ` --law ${request.law}` : ""),
      `import scalinglab as sl\n\nsl.forecast(${pyRepr(scenarioArg)}, samples=${request.samples}, seed=${request.seed}` +
        (request.until ? `, until=${request.until}` : "") + (request.law ? `, law=${pyRepr(request.law)}` : "") + ")"));
    run.disabled = true;
    try {
      const described = await api("/scenarios/describe", { json: { yaml: text.value } });
      inputsBox.replaceChildren(el("h2", {}, "Inputs and their sources"), table(["input", "value", "source"],
        described.inputs.map((i) => [i.path, i.value, i.source]), { text: [0, 1, 2] }));
      const data = await api("/charts/forecast", { json: request });
      error.textContent = "";
      const result = data.result;
      const milestones = Object.entries(result.milestones).map(([name, m]) => [name, year(m.p50), `${year(m.p5)} to ${year(m.p95)}`, pct(m.reached_share)]);
      const binding = Object.entries(result.binding_first).map(([name, share]) => [name, pct(share)]);
      out.replaceChildren(el("h2", {}, `${result.scenario.name}: ${result.scenario.title}`),
        el("div", { class: "cols" },
          el("div", {}, el("h2", {}, "Milestones (year reached)"), table(["milestone", "median", "90% range", "reached by end"], milestones, { text: [0] })),
          el("div", {}, el("h2", {}, "Which constraint binds first"), table(["constraint", "share of samples"], binding, { text: [0] }))),
        stamp(result.seed));
      await chart(target, data.spec);
    } catch (e) { error.textContent = e.message; } finally { run.disabled = false; }
  };
  preset.addEventListener("change", async () => { await loadPreset(); go(); });
  run.addEventListener("click", go);
  law.addEventListener("change", go);
  exportButton.addEventListener("click", () => {
    const link = el("a", { href: URL.createObjectURL(new Blob([text.value], { type: "application/yaml" })), download: `${preset.value}.yaml` });
    document.body.append(link); link.click(); link.remove();
  });
  importInput.addEventListener("change", async () => { if (importInput.files.length) { text.value = await importInput.files[0].text(); go(); } });
  go();
}

// -- Sweeps ----------------------------------------------------------------------------------------
async function pageSweeps(main) {
  const q = params();
  const error = el("div", { class: "error", id: "error" });
  main.append(el("h1", {}, "Sweeps (read-only)"), el("p", { class: "lead" }, "Runs of the registry given to scalinglab serve --registry: status, loss curves (refreshed while a sweep runs) and the recorded IsoFLOP fits."), error);
  let listing;
  try { listing = await api("/registry"); } catch (e) { error.textContent = e.message; return; }
  if (listing.registry === null) { main.append(el("p", {}, "No runs registry: start the explorer with scalinglab serve --registry runs.db to see a sweep here.")); return; }
  if (!listing.sweeps.length) { main.append(el("p", {}, "The registry holds no sweeps yet.")); return; }
  const pick = el("select", { id: "sweep" }, listing.sweeps.map((s) => el("option", { value: s.sweep }, `${s.sweep} (${s.finished}/${s.runs} finished)`)));
  pick.value = q.get("sweep") || listing.sweeps[0].sweep;
  const out = el("div", { id: "sweep-result" }), target = el("div", { class: "chart", id: "sweep-chart" });
  const copy = el("div");
  main.append(el("div", { class: "controls" }, field("sweep", pick)), out, target, copy, stamp());
  let timer = null;
  const show = async () => {
    saveState({ sweep: pick.value });
    copy.replaceChildren(copyBox(`scalinglab sweep status --db ${shellQuote(listing.registry)} --name ${shellQuote(pick.value)}`,
      `import scalinglab as sl\n\nsl.sweep.status(${pyRepr(listing.registry)}, name=${pyRepr(pick.value)})`));
    clearTimeout(timer);
    try {
      const data = await api(`/registry/${encodeURIComponent(pick.value)}`);
      const s = data.status;
      out.replaceChildren(el("p", {}, `${s.runs} runs: ${s.finished} finished, ${s.running} running, ${s.pending} pending, ${s.failed} failed; ${sci(s.flops_done)} FLOP done.`),
        table(["run", "status", "budget", "params", "tokens", "final loss", "device"],
          s.table.map((r) => [r.key, r.status, sci(r.budget), si(r.params), si(r.planned_tokens), r.final_loss === null ? "-" : Number(r.final_loss).toFixed(4), r.device || "-"]), { text: [0, 1, 6] }),
        ...data.fits.map((f) => el("details", {}, el("summary", {}, `fit: ${f.kind} (${f.created_at})`), el("pre", { class: "bib" }, JSON.stringify(f.result, null, 1).slice(0, 4000)))));
      await chart(target, data.spec);
      if (s.running || s.pending) timer = setTimeout(show, 5000);
    } catch (e) { error.textContent = e.message; }
  };
  pick.addEventListener("change", show);
  show();
}

// -- Laws and sources ------------------------------------------------------------------------------
// A law's parameters as "E=1.82, A=482, alpha=0.35", nested groups as "name (k=v, ...)", 4 significant digits.
function paramsText(params) {
  const value = (v) => (typeof v === "number" ? String(+v.toPrecision(4)) : v && typeof v === "object" ? `(${paramsText(v)})` : String(v));
  return Object.entries(params || {}).map(([k, v]) => (v && typeof v === "object" ? `${k} ${value(v)}` : `${k}=${value(v)}`)).join(", ");
}

async function pageLaws(main) {
  const [laws, datasets, sources] = await Promise.all([api("/laws"), api("/datasets"), api("/sources")]);
  const bib = (text) => el("details", {}, el("summary", {}, "BibTeX"), el("pre", { class: "bib" }, text));
  const where = (s) => [s.locator, s.identifier].filter(Boolean).join(", ");
  const bibOf = Object.fromEntries(sources.map((s) => [`${s.kind}:${s.name}`, s.bibtex]));
  main.append(
    el("h1", {}, "Laws and sources"),
    el("p", { class: "lead" }, "Every published law, bundled dataset and constant with its citation, locator and BibTeX. ",
      el("a", { href: `${API}/sources.bib`, download: "scalinglab-sources.bib" }, "Download all as BibTeX"), "."),
    el("h2", {}, "Laws"),
    table(["name", "family", "formula", "parameters", "source", "where", ""], laws.map((l) => [l.name, l.family, l.formula,
      paramsText(l.params),
      l.source.citation, where(l.source), { node: bib(bibOf[`law:${l.name}`]) }]), { text: [0, 1, 2, 3, 4, 5, 6] }),
    el("h2", {}, "Datasets"),
    table(["name", "rows", "description", "source", "where", ""], datasets.map((d) => [d.name, d.rows, d.description, d.source.citation, where(d.source),
      { node: bib(bibOf[`dataset:${d.name}`]) }]), { text: [0, 2, 3, 4, 5] }),
    el("h2", {}, "Constants of the cost model"),
    table(["name", "value", "source", "where", ""], sources.filter((s) => s.kind === "constant").map((s) => [s.name, s.what, s.source.citation, where(s.source), { node: bib(s.bibtex) }]), { text: [0, 1, 2, 3, 4] }),
    el("p", { class: "muted" }, "Accelerator figures carry their sources on the Cost page (hover a value)."),
    copyBox("scalinglab laws list\nscalinglab datasets list", "import scalinglab as sl\n\nsl.laws.list()\nsl.datasets.list()"), stamp());
}

// -- start -----------------------------------------------------------------------------------------
const PAGES = { plan: pagePlan, cost: pageCost, fit: pageFit, forecast: pageForecast, sweeps: pageSweeps, laws: pageLaws };

async function start() {
  const page = location.pathname.replace(/^\/+|\/+$/g, "") || "plan";
  for (const link of document.querySelectorAll("#nav a")) link.classList.toggle("active", link.dataset.page === page);
  try { Object.assign(META, await api("/meta")); } catch (e) { /* the stamp shows '?' */ }
  document.getElementById("stamp").textContent = `scalinglab ${META.version} · data ${META.data_version}`;
  const main = document.getElementById("main");
  try { await (PAGES[page] || pagePlan)(main); }
  catch (e) { main.append(el("div", { class: "error" }, e.message)); }
  document.body.dataset.ready = "1";
}

document.addEventListener("DOMContentLoaded", start);
})();
