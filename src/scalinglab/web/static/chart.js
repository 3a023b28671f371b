// Charts embedded with vega-embed (vega.js, loaded before the modules), fitted to their box and redrawn
// when the box's width changes.
import { debounce } from "./core.js";

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

export async function chart(target, spec) {
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
