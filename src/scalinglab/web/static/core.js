// The explorer's core: elements, the JSON API, numbers in significant digits, tables, notes and warnings,
// copy boxes and the permalink state (the whole state of a view lives in the URL's query string).
// Every text that came from a user or a file is put into the page with textContent, never as HTML.

export const API = "/api/v1";
export const META = { version: "?", data_version: "?", default_law: "besiroglu2024" };
const FIT_STORE = "scalinglab.fits";

// -- small helpers ---------------------------------------------------------------------------------
export function el(tag, attrs, ...children) {
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

export function params() { return new URLSearchParams(location.search); }

export function saveState(values) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null || value === "" || value === false) continue;
    query.set(key, value === true ? "1" : String(value));
  }
  const url = location.pathname + (query.toString() ? "?" + query.toString() : "");
  if (url !== location.pathname + location.search) history.replaceState(null, "", url);
}

export function b64encode(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function b64decode(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

export async function api(path, options = {}) {
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

export function si(value, digits = 3) {
  if (value === null || value === undefined || Number.isNaN(value)) return "-";
  const abs = Math.abs(value);
  const units = [[1e15, "P"], [1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "K"]];
  for (const [scale, suffix] of units) if (abs >= scale) return +(value / scale).toPrecision(digits) + suffix;
  return String(+value.toPrecision(digits));
}

// significant digits, never "0.0": 0.0821, 2.6, 18.3, 1.2K
export function sig(value, digits = 3) { return value === null || value === undefined || Number.isNaN(Number(value)) ? "-" : si(Number(value), digits); }

// What the CLI prints after a result as "note: ..." and "warning: ...", shown beside the result on the page.
export function notesList(notes, warnings) {
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

export function sci(value) { return value === null || value === undefined ? "-" : Number(value).toExponential(2).replace("e+", "e"); }
export function money(value) { return value === null || value === undefined ? "-" : "$" + si(value); }
export function pct(value) { return value === null || value === undefined ? "-" : (100 * value).toFixed(1) + "%"; }
export function year(value) { return value === null || value === undefined ? "not reached" : Number(value).toFixed(1); }

export function table(columns, rows, options = {}) {
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

export function copyBox(cli, python) {
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

// A request's command line and Python, written by the server from the options' declarations
// (POST /api/v1/snippets/{command}), shown in `target`; the latest call wins, and an error or no request
// (options null) leaves it empty.
const snippetRequests = new WeakMap();
export function showSnippets(target, command, options) {
  const mine = {};
  snippetRequests.set(target, mine);
  const show = (...nodes) => { if (snippetRequests.get(target) === mine) target.replaceChildren(...nodes); };
  if (!options) { show(); return; }
  api(`/snippets/${command}`, options).then((s) => show(copyBox(s.cli, s.python)), () => show());
}

export function stamp(seed) {
  const parts = [`scalinglab ${META.version}`, `data ${META.data_version}`];
  if (seed !== undefined) parts.push(`seed ${seed}`);
  return el("p", { class: "stamp" }, parts.join(" · "));
}

export function debounce(fn, ms) { let t; return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); }; }

export function loadFits() { try { return JSON.parse(localStorage.getItem(FIT_STORE) || "[]"); } catch (e) { return []; } }
export function storeFit(fit) {
  const fits = loadFits().filter((f) => f.name !== fit.name);
  fits.unshift(fit);
  localStorage.setItem(FIT_STORE, JSON.stringify(fits.slice(0, 8)));
}

// A fit as a law object: its parameters, and the range of its runs (for the CLI's extrapolation warning).
export function lawOfFit(fit) { return { ...fit.law, name: fit.name, ...(fit.fitted_range ? { fitted_range: fit.fitted_range } : {}) }; }

export function field(label, input) { return el("label", {}, label, input); }
export function check(label, input) { return el("label", { class: "check" }, input, label); }
