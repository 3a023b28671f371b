// Laws and sources: every published law, dataset and constant with its citation and BibTeX.
import { API, el, api, table, copyBox, stamp } from "./core.js";

// A law's parameters as "E=1.82, A=482, alpha=0.35", nested groups as "name (k=v, ...)", 4 significant digits.
function paramsText(params) {
  const value = (v) => (typeof v === "number" ? String(+v.toPrecision(4)) : v && typeof v === "object" ? `(${paramsText(v)})` : String(v));
  return Object.entries(params || {}).map(([k, v]) => (v && typeof v === "object" ? `${k} ${value(v)}` : `${k}=${value(v)}`)).join(", ");
}

export default async function pageLaws(main) {
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
