// The web UI of `junction serve`: tabs, filters, the graph and its explanations, live updates.

import { get, subscribe, ApiError } from "./api.js";
import { $, el, message } from "./dom.js";
import { explain, firstPort } from "./explain.js";
import { GraphView, type Filters, type GraphDoc, type GEdge, type GNode } from "./graph.js";
import { diagnostics, exposure, matrix, route } from "./views.js";

const TABS = ["graph", "matrix", "routing", "exposure", "diagnostics"];
const LOADERS: Record<string, () => Promise<void>> = { matrix, exposure, diagnostics };
let version = 0;

const graph = new GraphView(edgeChosen, nodeChosen);

function filters(): Filters {
  const v = (id: string) => $<HTMLInputElement>(id).value;
  const c = (id: string) => $<HTMLInputElement>(id).checked;
  return { search: v("f-search"), namespace: v("f-namespace"), label: v("f-label"), port: v("f-port"), isolated: c("f-isolated"), exposed: c("f-exposed"), external: c("f-external") };
}

async function loadGraph(highlight: boolean): Promise<void> {
  try {
    const doc = await get<GraphDoc>("/api/v1/graph");
    fillChoices(doc);
    graph.show(doc, filters(), highlight);
  } catch (e) {
    message($("explain"), e instanceof ApiError ? e.message : String(e), "verdict-deny");
  }
}

function fillChoices(doc: GraphDoc): void {
  const ns = $<HTMLSelectElement>("f-namespace"), chosen = ns.value;
  ns.replaceChildren(el("option", { value: "" }, "all"), ...doc.namespaces.map((n) => el("option", { value: n.name }, n.name)));
  ns.value = chosen;
  $("endpoints").replaceChildren(...doc.nodes.filter((n) => n.endpoint).map((n) => el("option", { value: n.endpoint! })));
  const gw = $<HTMLSelectElement>("r-gateway"), g = gw.value;
  gw.replaceChildren(el("option", { value: "" }, "the one listening on the port"), ...doc.gateways.map((x) => el("option", { value: x }, x)));
  gw.value = g;
}

function edgeChosen(edges: GEdge[]): void {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  if (edges.length === 1) {
    const e = edges[0], from = byId.get(e.src)?.endpoint, to = byId.get(e.dst)?.endpoint;
    if (from && to) { const p = firstPort(e); setFlow(from, to, p.port, p.protocol); void explain(from, to, p.port, p.protocol); return; }
  }
  $("explain").replaceChildren(el("h2", {}, `${edges.length} connections`), el("ul", {}, ...edges.map((e) =>
    el("li", {}, Object.assign(el("button", {}, `${e.src} → ${e.dst}: ${e.conn}`), { onclick: () => edgeChosen([e]) })))));
}

let picked: GNode | undefined;
function nodeChosen(n: GNode): void {
  if (!n.endpoint) return;
  if (!picked) { picked = n; setFlow(n.endpoint, "", "", "TCP"); message($("explain"), `From ${n.endpoint}: now pick the destination.`); return; }
  const from = picked; picked = undefined;
  const port = $<HTMLInputElement>("x-port").value;
  setFlow(from.endpoint!, n.endpoint, port, $<HTMLSelectElement>("x-protocol").value);
  void explain(from.endpoint!, n.endpoint, port, $<HTMLSelectElement>("x-protocol").value);
}

function setFlow(from: string, to: string, port: string, protocol: string): void {
  $<HTMLInputElement>("x-from").value = from; $<HTMLInputElement>("x-to").value = to;
  if (port) $<HTMLInputElement>("x-port").value = port;
  $<HTMLSelectElement>("x-protocol").value = protocol;
}

function selectTab(name: string, focus = false): void {
  for (const t of TABS) {
    const tab = $(`tab-${t}`), on = t === name;
    tab.setAttribute("aria-selected", String(on)); tab.tabIndex = on ? 0 : -1;
    $(`view-${t}`).hidden = !on;
    if (on && focus) tab.focus();
  }
  void LOADERS[name]?.();
}

function wire(): void {
  for (const t of TABS) {
    const tab = $(`tab-${t}`);
    tab.onclick = () => selectTab(t);
    tab.onkeydown = (e) => {
      const i = TABS.indexOf(t), next = e.key === "ArrowRight" ? (i + 1) % TABS.length : e.key === "ArrowLeft" ? (i + TABS.length - 1) % TABS.length : -1;
      if (next >= 0) { e.preventDefault(); selectTab(TABS[next], true); }
    };
  }
  for (const id of ["f-search", "f-namespace", "f-label", "f-port", "f-isolated", "f-exposed", "f-external"]) $(id).addEventListener(id.startsWith("f-search") || id === "f-label" || id === "f-port" ? "input" : "change", () => graph.render(filters()));
  $("x-go").onclick = () => void explain($<HTMLInputElement>("x-from").value.trim(), $<HTMLInputElement>("x-to").value.trim(), $<HTMLInputElement>("x-port").value.trim(), $<HTMLSelectElement>("x-protocol").value);
  $("m-form").onsubmit = (e) => { e.preventDefault(); void matrix(); };
  $("r-form").onsubmit = (e) => { e.preventDefault(); void route(); };
  const theme = $("theme");
  const dark = localStorage.getItem("junction-theme") === "dark" || (!localStorage.getItem("junction-theme") && matchMedia("(prefers-color-scheme: dark)").matches);
  const apply = (on: boolean) => { document.documentElement.classList.toggle("dark", on); theme.setAttribute("aria-pressed", String(on)); theme.textContent = on ? "Light theme" : "Dark theme"; graph.setTheme(); };
  apply(dark);
  theme.onclick = () => { const on = !document.documentElement.classList.contains("dark"); localStorage.setItem("junction-theme", on ? "dark" : "light"); apply(on); };
}

function live(): void {
  void subscribe((event, data) => {
    if (event === "hello") { version = data.version; return; }
    if (event !== "update") return;
    version = data.version;
    $("status").textContent = `version ${version}: ${data.changes.slice(0, 3).join(", ")}${data.changes.length > 3 ? "…" : ""}${data.invalid ? ` (${data.invalid})` : ""}`;
    $("status").dataset.version = String(version);
    void loadGraph(true);
    const open = TABS.find((t) => $(`tab-${t}`).getAttribute("aria-selected") === "true");
    if (open) void LOADERS[open]?.();
  }, (up) => { if (!up) $("status").textContent = "disconnected: retrying"; else if (!version) $("status").textContent = "live"; });
}

wire();
void loadGraph(false);
live();
