// Plan: the compute-optimal N and D of each chosen law (and of fits carried over from the Fit page) over budgets.
import { el, params, saveState, b64encode, b64decode, api, si, sig, notesList, sci, table, showSnippets, stamp, debounce, loadFits, lawOfFit, field, check } from "./core.js";
import { chart } from "./chart.js";

const PLAN_FAMILIES = new Set(["chinchilla", "kaplan", "data-constrained", "allocation"]);

export default async function pagePlan(main) {
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
    if (!request.laws.length) { copy.replaceChildren(); error.textContent = "choose at least one law"; return; }
    // one plan per law, written by the server from the options' declarations (a fit is shown as fit.json)
    const one = { compute: request.compute };
    if (request.unique_tokens) one.unique_tokens = request.unique_tokens;
    if (request.inference_tokens) one.inference_tokens = request.inference_tokens;
    showSnippets(copy, "plan", { json: request.laws.map((law) => ({ ...one, law })) });
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
