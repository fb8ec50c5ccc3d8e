// The graph view: workloads grouped by namespace (compound nodes; a namespace collapses into one
// node, and large inputs start collapsed so that 10k workloads stay usable), outside addresses as
// one node, edges merged between what is visible. Cytoscape.js draws it with the dagre layout.

import cytoscape from "cytoscape";
import dagre from "cytoscape-dagre";
import { $, el } from "./dom.js";

cytoscape.use(dagre);

export interface GNode { id: string; kind: string; namespace?: string; name: string; type: string; labels: Record<string, string>; pods: number; isolated: { ingress: boolean; egress: boolean }; exposed: boolean; endpoint?: string }
export interface Conn { protocol: string; ports: { from: number; to: number }[] }
export interface GEdge { src: string; dst: string; conn: string; connections: Conn[] }
export interface GraphDoc { namespaces: { name: string; labels: Record<string, string> }[]; nodes: GNode[]; edges: GEdge[]; gateways: string[] }

export interface Filters { search: string; namespace: string; label: string; port: string; isolated: boolean; exposed: boolean; external: boolean }

const EXPAND_ALL_UP_TO = 150;
const OUTSIDE = "outside";

export class GraphView {
  private cy: cytoscape.Core;
  private doc?: GraphDoc;
  private expanded = new Set<string>();
  private changed = new Set<string>();
  private byId = new Map<string, GNode>();

  constructor(private readonly onEdge: (edges: GEdge[]) => void, private readonly onNode: (n: GNode) => void) {
    this.cy = cytoscape({ container: $("cy"), style: this.style(), minZoom: 0.05, maxZoom: 3 });
    (window as unknown as { junctionGraph: cytoscape.Core }).junctionGraph = this.cy; // for the browser tests and the console
    this.cy.on("tap", "edge", (e) => this.onEdge(e.target.data("edges")));
    this.cy.on("tap", "node", (e) => {
      const d = e.target.data();
      if (d.namespace !== undefined && d.collapsible) { this.toggle(d.namespace); return; }
      const n = this.byId.get(d.id);
      if (n) this.onNode(n);
    });
  }

  get nodes(): GNode[] { return this.doc?.nodes ?? []; }

  /** New data; edges that are new or whose connections changed are highlighted. */
  show(doc: GraphDoc, filters: Filters, highlightChanges: boolean): void {
    if (highlightChanges && this.doc) {
      const before = new Map(this.doc.edges.map((e) => [`${e.src}>${e.dst}`, e.conn]));
      this.changed = new Set(doc.edges.filter((e) => before.get(`${e.src}>${e.dst}`) !== e.conn).map((e) => `${e.src}>${e.dst}`));
      const now = new Set(doc.edges.map((e) => `${e.src}>${e.dst}`));
      for (const k of before.keys()) if (!now.has(k)) this.changed.add(k);
    }
    if (!this.doc) {
      const workloads = doc.nodes.filter((n) => n.namespace !== undefined).length;
      if (workloads <= EXPAND_ALL_UP_TO) for (const n of doc.namespaces) this.expanded.add(n.name);
    }
    this.doc = doc;
    this.byId = new Map(doc.nodes.map((n) => [n.id, n]));
    this.render(filters);
  }

  toggle(ns: string): void {
    if (this.expanded.has(ns)) this.expanded.delete(ns); else this.expanded.add(ns);
    this.render(this.filters!);
  }

  setTheme(): void { this.cy.style(this.style()); }

  private filters?: Filters;

  render(filters: Filters): void {
    this.filters = filters;
    if (!this.doc) return;
    const { nodes, edges } = visible(this.doc, filters);
    const elements: cytoscape.ElementDefinition[] = [];
    const placed = new Map<string, string>();
    const namespaces = new Set(nodes.filter((n) => n.namespace !== undefined).map((n) => n.namespace!));
    for (const ns of [...namespaces].sort()) {
      const members = nodes.filter((n) => n.namespace === ns);
      const open = this.expanded.has(ns);
      elements.push({ data: { id: `ns:${ns}`, label: open ? ns : `${ns} (${members.length} workloads)`, namespace: ns, collapsible: true }, classes: open ? "namespace" : "namespace collapsed" });
      for (const n of members) {
        if (!open) { placed.set(n.id, `ns:${ns}`); continue; }
        placed.set(n.id, n.id);
        elements.push({ data: { id: n.id, label: `${n.name}\n${n.type}`, parent: `ns:${ns}` }, classes: [n.kind, n.exposed ? "exposed" : "", n.isolated.ingress ? "isolated" : ""].join(" ") });
      }
    }
    for (const n of nodes.filter((x) => x.namespace === undefined)) {
      const id = n.kind === "external" ? OUTSIDE : n.id;
      placed.set(n.id, id);
      if (!elements.some((e) => e.data.id === id)) elements.push({ data: { id, label: n.kind === "external" ? "outside the cluster" : n.name }, classes: n.kind });
    }
    const merged = new Map<string, { source: string; target: string; edges: GEdge[] }>();
    for (const e of edges) {
      const source = placed.get(e.src), target = placed.get(e.dst);
      if (!source || !target || (source === target && source.startsWith("ns:"))) continue;
      const key = `${source}>${target}`;
      const m = merged.get(key) ?? { source, target, edges: [] };
      m.edges.push(e);
      merged.set(key, m);
    }
    for (const [key, m] of merged) {
      const label = m.edges.length === 1 ? m.edges[0].conn : `${m.edges.length} connections`;
      const changed = m.edges.some((e) => this.changed.has(`${e.src}>${e.dst}`));
      elements.push({ data: { id: `e:${key}`, source: m.source, target: m.target, label, edges: m.edges }, classes: changed ? "changed" : "" });
    }
    this.cy.elements().remove();
    this.cy.add(elements);
    this.cy.layout({ name: "dagre", rankDir: "LR", nodeSep: 20, rankSep: 80, animate: false } as cytoscape.LayoutOptions).run();
    this.cy.fit(undefined, 20);
    this.renderList([...merged.values()]);
  }

  /** The same edges as buttons, for keyboard and screen-reader users. */
  private renderList(edges: { source: string; target: string; edges: GEdge[] }[]): void {
    $("edge-list").replaceChildren(...edges.map((m) => el("li", {}, Object.assign(el("button", { "data-edge": `${m.source}>${m.target}` }, `${m.source} → ${m.target}: ${m.edges.length === 1 ? m.edges[0].conn : `${m.edges.length} connections`}`), { onclick: () => this.onEdge(m.edges) }))));
  }

  private style(): cytoscape.StylesheetJson {
    const css = getComputedStyle(document.documentElement);
    const v = (name: string) => css.getPropertyValue(name).trim();
    return [
      { selector: "node", style: { label: "data(label)", "text-wrap": "wrap", "font-size": 12, color: v("--fg"), "text-valign": "center", "background-color": v("--panel"), "border-width": 1, "border-color": v("--accent"), shape: "round-rectangle", width: (n: cytoscape.NodeSingular) => Math.max(60, String(n.data("label")).split("\n").reduce((m, l) => Math.max(m, l.length), 0) * 7), height: (n: cytoscape.NodeSingular) => String(n.data("label")).split("\n").length * 16 + 8, padding: "8px" } },
      { selector: "node.namespace", style: { "background-color": v("--ns"), "border-color": v("--border"), "text-valign": "top", "font-weight": "bold" } },
      { selector: "node.collapsed", style: { "border-style": "dashed", "text-valign": "center" } },
      { selector: "node.vm", style: { shape: "hexagon" } },
      { selector: "node.external, node.ingress-controller", style: { shape: "ellipse", "border-color": v("--deny") } },
      { selector: "node.exposed", style: { "border-width": 3, "border-color": v("--changed") } },
      { selector: "edge", style: { width: 1.5, "curve-style": "bezier", "target-arrow-shape": "triangle", "line-color": v("--allow"), "target-arrow-color": v("--allow"), label: "data(label)", "font-size": 10, color: v("--muted"), "text-rotation": "autorotate", "text-background-color": v("--bg"), "text-background-opacity": 0.8 } },
      { selector: "edge.changed", style: { width: 4, "line-color": v("--changed"), "target-arrow-color": v("--changed") } },
      { selector: ":selected", style: { "border-width": 3, "line-color": v("--accent"), "target-arrow-color": v("--accent") } },
    ];
  }
}

function matchesPort(conns: Conn[], filter: string): boolean {
  const m = /^(?:(tcp|udp|sctp)\/?)?(\d+)?$/i.exec(filter.trim());
  if (!m) return true;
  const proto = m[1]?.toUpperCase(), port = m[2] ? Number(m[2]) : undefined;
  return conns.some((c) => (!proto || c.protocol === proto) && (port === undefined || c.ports.some((r) => r.from <= port && port <= r.to)));
}

function visible(doc: GraphDoc, f: Filters): { nodes: GNode[]; edges: GEdge[] } {
  const [lk, lv] = f.label.split("=").map((s) => s.trim());
  const keep = (n: GNode) => {
    if (n.kind === "external") return f.external;
    if (n.kind === "ingress-controller") return true;
    if (f.namespace && n.namespace !== f.namespace) return false;
    if (f.search && !n.id.toLowerCase().includes(f.search.toLowerCase())) return false;
    if (lk && !(lk in n.labels && (lv === undefined || n.labels[lk] === lv))) return false;
    if (f.isolated && !(n.isolated.ingress || n.isolated.egress)) return false;
    if (f.exposed && !n.exposed) return false;
    return true;
  };
  const nodes = doc.nodes.filter(keep);
  const ids = new Set(nodes.map((n) => n.id));
  const edges = doc.edges.filter((e) => ids.has(e.src) && ids.has(e.dst) && (!f.port || matchesPort(e.connections, f.port)));
  return { nodes, edges };
}
