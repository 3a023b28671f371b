// "What to train next" on the Fit page: the runs from a candidate grid that most narrow the predicted loss at
// the target per unit cost, for the table and law chosen above (POST /api/v1/suggest, as scalinglab suggest).
import { el, api, si, sci, notesList, table, showSnippets, field } from "./core.js";

const LABELS = { n: "N", d: "D", c: "C (FLOP)", u: "U" };

// `source.current()` gives the table in use: { dataset, upload (its hash on the server), columns ({ n_col: "..." }), law, formula, variables, ready (false when there is no table) };
// `source.settled()` waits for an upload under way.
export function suggestSection(q, source, onChange) {
  const defaults = { grid: "N=10M..1B:12,D=1B..100B:12", target: "C=1e22..1e24", budget: "1e21", k: "5", cost: "" };
  const input = (key, title) => el("input", { type: "text", id: `suggest-${key}`, value: q.get(`suggest_${key}`) ?? defaults[key], title });
  const inputs = {
    grid: input("grid", "candidate runs: log-spaced ranges NAME=lo..hi:count, every combination"),
    target: input("target", "where the law must be right: C=lo..hi (compute-optimal runs of the fit) or N=70B,D=1.4T"),
    budget: input("budget", "the most the suggested runs may cost together (FLOP unless a cost formula says otherwise)"),
    k: el("input", { type: "number", id: "suggest-k", value: q.get("suggest_k") ?? defaults.k, min: 1, max: 100 }),
    cost: input("cost", "each candidate's cost as a formula of N, D, C, U; empty: C = 6ND"),
  };
  inputs.cost.placeholder = "C = 6ND (default)";
  inputs.grid.classList.add("wide");
  const button = el("button", { type: "button", id: "suggest-button" }, "Suggest runs");
  const error = el("div", { class: "error", id: "suggest-error" });
  const out = el("div", { id: "suggest-result" });
  const copy = el("div");
  let ran = q.get("suggest") === "1";
  // the commands to copy appear with the first suggestion and follow the inputs from then on
  for (const box of Object.values(inputs)) box.addEventListener("change", () => { onChange(); if (copy.firstChild) showCopy(); });

  const options = () => {
    const chosen = source.current();
    const values = { grid: inputs.grid.value.trim(), target: inputs.target.value.trim(), budget: inputs.budget.value.trim(), k: inputs.k.value };
    if (inputs.cost.value.trim()) values.cost = inputs.cost.value.trim();
    return { chosen, values };
  };

  // the request as POST /api/v1/suggest takes it
  const formOf = () => {
    const { chosen, values } = options();
    const form = new FormData();
    if (chosen.dataset) form.append("dataset", chosen.dataset); else form.append("upload", chosen.upload);
    if (chosen.formula) { form.append("formula", chosen.formula); form.append("variables", chosen.variables); }
    else form.append("law", chosen.law);
    for (const [key, value] of Object.entries({ ...chosen.columns, ...values })) form.append(key, value);
    return form;
  };
  // the same request as `scalinglab suggest` and `sl.suggest`, written by the server from the declarations
  const showCopy = () => showSnippets(copy, "suggest", source.current().ready ? { form: formOf() } : null);

  const run = async () => {
    await source.settled();
    error.textContent = ""; out.replaceChildren();
    if (!source.current().ready) { copy.replaceChildren(); error.textContent = "choose a bundled runs table or upload one above"; return; }
    showCopy();
    button.disabled = true;
    try {
      show(await api("/suggest", { form: formOf() }));
      ran = true; onChange();
    } catch (e) { error.textContent = e.message; } finally { button.disabled = false; }
  };

  const show = (result) => {
    const keys = result.picks.length ? Object.keys(result.picks[0].inputs) : [];
    const rows = result.picks.map((p) => [p.rank, ...keys.map((key) => (key === "c" ? sci(p.inputs[key]) : si(p.inputs[key]))),
      sci(p.cost), p.variance_reduction === null ? "-" : sci(p.variance_reduction), sci(p.cumulative_cost), p.reason]);
    const before = result.variance_before, after = result.variance_after;
    out.replaceChildren(
      el("p", {}, `${result.method} for the ${result.family} law: ${result.n_runs} runs done, ${result.n_candidates} candidates; ` +
        `${result.picks.length} runs for ${sci(result.spent)} of the budget ${sci(result.budget)}.`),
      table(["rank", ...keys.map((key) => LABELS[key] || key), "cost", "expected variance reduction", "cumulative spend", "why"], rows, { text: [keys.length + 4] }),
      before !== null && after !== null ? el("p", {}, `Target ${result.target.text} (${result.target.points} points): integrated variance of the ` +
        `predicted log loss ${sci(before)} now, ${sci(after)} expected after these runs (sd ${sci(Math.sqrt(before))} to ${sci(Math.sqrt(after))}).`) : null,
      notesList(result.notes, result.warnings));
  };

  button.addEventListener("click", run);
  const node = el("section", { id: "suggest" },
    el("h2", {}, "What to train next"),
    el("p", { class: "lead" }, "The runs from a grid of candidates that most narrow the predicted loss over the target, per unit cost, " +
      "for the table and the law chosen above (V-optimal design, averaged over 32 bootstrap refits). Train them, add them to the table, and ask again."),
    el("div", { class: "controls" }, field("candidates (grid)", inputs.grid), field("target", inputs.target), field("budget", inputs.budget),
      field("at most k runs", inputs.k), field("cost (optional)", inputs.cost), button),
    error, out, copy);
  return {
    node,
    // the permalink's part of this section; `suggest=1` runs it again when the page opens
    state: () => ({ ...Object.fromEntries(Object.entries(inputs).filter(([key, box]) => box.value !== defaults[key])
      .map(([key, box]) => [`suggest_${key}`, box.value])), suggest: ran ? "1" : "" }),
    runOnLoad: () => { if (ran) run(); },
  };
}
