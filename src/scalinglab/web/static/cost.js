// Cost: time, dollars, energy and CO2 of a run, what a budget buys, and the accelerator catalogue.
import { META, el, params, saveState, b64encode, b64decode, api, si, sig, notesList, sci, money, pct, table, showSnippets, stamp, debounce, loadFits, lawOfFit, field, check } from "./core.js";
import { chart } from "./chart.js";

const COST_ROWS = [
  ["days", "wall-clock days", sig], ["gpu_hours", "GPU-hours", si],
  ["cloud_cost_usd", "cloud cost", money], ["owned_cost_usd", "owned cost", money],
  ["energy_mwh", "energy (MWh)", si], ["co2_t", "CO2 (t)", si],
  ["mfu", "MFU", pct], ["goodput", "goodput", pct], ["achieved_flops_per_gpu", "achieved FLOP/s per GPU", sci],
];

export default async function pageCost(main) {
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
    // the command and the Python are written by the server from the options' declarations
    showSnippets(copy, "cost", { json: request });
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
