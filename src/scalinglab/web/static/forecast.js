// Forecast: a preset or edited scenario's Monte Carlo forecast, its milestones and binding constraints.
import { API, el, params, saveState, b64encode, b64decode, api, pct, year, table, showSnippets, stamp, field } from "./core.js";
import { chart } from "./chart.js";

export default async function pageForecast(main) {
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
    // the command and the Python are written by the server from the options' declarations (an edit as scenario.yaml)
    showSnippets(copy, "forecast", { json: request });
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
