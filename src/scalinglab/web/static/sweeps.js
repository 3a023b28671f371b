// Sweeps: the runs registry given to scalinglab serve --registry, read-only.
import { el, params, saveState, api, si, sci, table, showSnippets, stamp, field } from "./core.js";
import { chart } from "./chart.js";

export default async function pageSweeps(main) {
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
    showSnippets(copy, "sweep-status", { json: { name: pick.value } });
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
