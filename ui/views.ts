// The tabular views: the matrix, routing a request through a Gateway, exposure, diagnostics.

import { get, ApiError } from "./api.js";
import { $, el, message, table } from "./dom.js";

async function load(target: HTMLElement, run: () => Promise<void>): Promise<void> {
  try { await run(); } catch (e) { message(target, e instanceof ApiError ? e.message : String(e), "verdict-deny"); }
}

export function matrix(): Promise<void> {
  const target = $("matrix");
  return load(target, async () => {
    const port = $<HTMLInputElement>("m-port").value.trim(), ns = $<HTMLInputElement>("m-namespace").value.trim();
    const doc = await get("/api/v1/matrix", { port: port || undefined, protocol: port ? $<HTMLSelectElement>("m-protocol").value : undefined, namespace: ns ? ns.split(/[ ,]+/) : undefined });
    const names: string[] = doc.endpoints;
    const cell = new Map(doc.cells.map((c: any) => [`${c.from}>${c.to}`, c]));
    const symbol = (c: any) => (c.reach === "all" ? "✓" : c.reach === "none" ? "✗" : "~");
    const rows = names.map((from) => [from, ...names.map((to) => symbol(cell.get(`${from}>${to}`)))]);
    target.replaceChildren(el("p", { class: "hint" }, `${port ? `${doc.protocol}/${port}` : "all ports"}: ✓ allowed, ✗ denied, ~ some ports (rows: sources, columns: destinations)`),
      table(["from \\ to", ...names], rows, (i, j) => j === 0 ? undefined : ({ "✓": "allow", "✗": "deny", "~": "some" } as Record<string, string>)[String(rows[i][j])]));
  });
}

export function route(): Promise<void> {
  const target = $("route");
  return load(target, async () => {
    const headers = $<HTMLInputElement>("r-headers").value.split(";").map((h) => h.trim()).filter(Boolean);
    const from = $<HTMLInputElement>("r-from").value.trim();
    if (from) { meshRequest(target, await get("/api/v1/explain", { from, request: $<HTMLInputElement>("r-request").value.trim(), header: headers })); return; }
    const doc = await get("/api/v1/route", { request: $<HTMLInputElement>("r-request").value.trim(), gateway: $<HTMLSelectElement>("r-gateway").value || undefined, header: headers });
    const r = doc.results[0];
    const step = (title: string, ...body: (string | undefined)[]) => el("li", {}, el("h3", {}, title), ...body.filter(Boolean).map((b) => el("div", {}, b!)));
    target.replaceChildren(
      el("ol", { "aria-label": "the request's path" },
        step("Gateway", r.gateway), step("Listener", r.listener ?? "none"),
        step("Route", r.route ?? "none"), step("Rule", r.rule === undefined ? "none" : `${r.rule}${r.ruleName ? ` (${r.ruleName})` : ""}`, r.filters?.length ? `filters: ${r.filters.join(", ")}` : undefined),
        step("Backends", ...(r.backends ?? []).map((b: any) => `${b.name}:${b.port} (weight ${b.weight})`), r.status !== undefined ? `status ${r.status}` : undefined)),
      el("h3", {}, "Steps"), el("ul", {}, ...(r.steps ?? []).map((s: any) => el("li", {}, `${s.stage}: ${s.outcome}`))),
      el("h3", {}, "Candidates"), el("ul", {}, ...(r.candidates ?? []).map((c: any) => el("li", {}, `${c.route} rule ${c.rule}${c.ruleName ? ` (${c.ruleName})` : ""}: ${c.outcome}`))));
  });
}

/** A request a pod sends (explain --request): the answer, then each layer it met and what that layer said. */
function meshRequest(target: HTMLElement, doc: any): void {
  const answer = doc.status !== undefined ? `status ${doc.status}` : doc.reason ?? doc.decidedBy;
  target.replaceChildren(
    el("h3", {}, `from ${doc.client}: ${answer}${doc.backend ? ` (${doc.backend})` : ""}, decided by the ${doc.decidedBy} layer`),
    el("ol", { "aria-label": "the layers the request met" }, ...(doc.layers ?? []).map((l: any) => el("li", {}, el("h3", {}, `${l.layer}: ${l.outcome}`), el("div", {}, l.summary)))));
}

export function exposure(): Promise<void> {
  const target = $("exposure");
  return load(target, async () => {
    const doc = await get("/api/v1/exposure");
    const rows = doc.exposures.flatMap((x: any) => x.targets.map((t: any) => [x.exposedBy, x.kind, x.entry, x.backend, t.workload, String(t.port), t.hop]));
    target.replaceChildren(el("h2", {}, "Exposed"), rows.length ? table(["exposed by", "kind", "entry", "backend", "workload", "port", "last hop"], rows, (i, j) => (j === 6 ? (rows[i][6] === "allowed" ? "allow" : "deny") : undefined)) : el("p", {}, "nothing"),
      el("h2", {}, "Open to the outside without a route"), doc.unrouted?.length ? el("ul", {}, ...doc.unrouted.map((u: any) => el("li", {}, typeof u === "string" ? u : JSON.stringify(u)))) : el("p", {}, "none"));
  });
}

export function diagnostics(): Promise<void> {
  const target = $("diagnostics");
  return load(target, async () => {
    const doc = await get("/api/v1/diagnostics");
    const items = doc.diagnostics.filter((d: any) => d.severity !== "info");
    target.replaceChildren(el("p", {}, `${doc.valid ? "valid" : "invalid"}: ${doc.errors} errors, ${doc.warnings} warnings`),
      items.length ? table(["where", "severity", "field", "message"], items.map((d: any) => [`${d.file ?? ""}${d.line ? `:${d.line}` : ""}`, d.severity, d.field ?? "", d.message]), (i, j) => (j === 1 ? `sev-${items[i].severity}` : undefined)) : el("p", {}, "no errors or warnings"),
      el("h3", {}, "Notes"), el("ul", {}, ...doc.diagnostics.filter((d: any) => d.severity === "info").map((d: any) => el("li", {}, `${d.file ?? ""}${d.line ? `:${d.line}` : ""} ${d.message}`))));
  });
}
