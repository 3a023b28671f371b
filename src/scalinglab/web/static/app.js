// scalinglab explorer: the entry module. It loads the module of the page in the URL's path and draws it;
// each page keeps its whole state in the URL's query string (see core.js).
import { META, api, el } from "./core.js";

const PAGES = {
  plan: () => import("./plan.js"), cost: () => import("./cost.js"), fit: () => import("./fit.js"),
  forecast: () => import("./forecast.js"), sweeps: () => import("./sweeps.js"), laws: () => import("./laws.js"),
};

async function start() {
  const page = location.pathname.replace(/^\/+|\/+$/g, "") || "plan";
  for (const link of document.querySelectorAll("#nav a")) link.classList.toggle("active", link.dataset.page === page);
  const meta = api("/meta").then((found) => Object.assign(META, found), () => { /* the stamp shows '?' */ });
  const [module] = await Promise.all([(PAGES[page] || PAGES.plan)().catch((e) => ({ failed: e })), meta]);
  document.getElementById("stamp").textContent = `scalinglab ${META.version} · data ${META.data_version}`;
  const main = document.getElementById("main");
  try {
    if (module.failed) throw module.failed;
    await module.default(main);
  } catch (e) { main.append(el("div", { class: "error" }, e.message)); }
  document.body.dataset.ready = "1";
}

start();
