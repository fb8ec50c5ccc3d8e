// Readable forms of routing answers: one request explained step by step, or a table of many.

import { shownScheme, type RouteRequest } from "../model/request.js";
import type { RouteResult } from "../engine/gateway/request.js";
import { renderTable, type Row } from "./table.js";

const MAX_CANDIDATES = 12;

export interface CheckedResult extends RouteResult { name?: string; pass?: boolean; mismatches?: string[] }

export function requestLine(q: RouteRequest): string {
  const from = q.from ? `from ${q.from}: ` : "";
  if (q.scheme === "tcp" || q.scheme === "udp" || (q.scheme === "tls" && q.path === "/")) return `${from}${q.scheme}://${withPort(q.sni ?? q.host ?? "", q.port)}`;
  return `${from}${q.method} ${shownScheme(q)}://${withPort(q.host ?? q.sni ?? "(no host)", q.port)}${q.path}`;
}

/** The host and `:port`, unless the host already ends with a port (a Host written "catalog:80"). */
export function withPort(host: string, port: number | undefined): string {
  return port && !/:\d+$/.test(host) ? `${host}:${port}` : host;
}

function answer(r: RouteResult): string {
  if (r.connection) return `connection ${r.connection}`;
  if (r.undetermined) return "undetermined";
  const parts = [r.status === null ? ("unknown" in r && r.unknown ? "unknown" : "connected") : String(r.status)];
  if (r.grpcCode) parts.push(`grpc ${r.grpcCode}`);
  if (r.redirect) parts.push(`→ ${r.redirect.location}`);
  return parts.join(" ");
}

function backends(r: RouteResult): string {
  const total = r.backends.reduce((n, b) => n + b.weight, 0);
  return r.backends.map((b) => `${b.name}${b.port ? `:${b.port}` : ""} ${total ? Math.round((b.weight / total) * 1000) / 10 : 0}%${b.problem ? ` (${b.problem})` : ""}`).join(", ");
}

export function explainResult(q: RouteRequest, r: CheckedResult): string {
  return [requestLine(q), ...resultLines(r), ...failLines(r)].join("\n") + "\n";
}

export function failLines(r: CheckedResult): string[] {
  return r.mismatches?.length ? ["  FAIL", ...r.mismatches.map((m) => `    ${m}`)] : [];
}

/** The routing answer, one "  label    value" line per part (the candidates last). */
export function resultLines(r: RouteResult): string[] {
  const lines: string[] = [];
  const add = (label: string, value: string | undefined) => { if (value) lines.push(`  ${label.padEnd(10)}${value}`); };
  add("gateway", r.gateway);
  add("listener", r.steps.find((s) => s.stage === "listener")?.outcome ?? r.listener);
  add("cert", r.steps.find((s) => s.stage === "certificate")?.outcome);
  add("route", r.route && `${r.route}, rule ${r.rule}${r.ruleName ? ` (${r.ruleName})` : ""}${r.match !== undefined ? `, match ${r.match}` : ""}`);
  for (const f of r.filters) add("filter", f);
  add("backends", r.backends.length ? `${backends(r)}${r.backend ? `; this answer follows ${r.backend}` : ""}` : undefined);
  add("endpoints", r.steps.find((s) => s.stage === "endpoints")?.outcome);
  add("mirror", r.mirroredTo.map((m) => `${m.name} (${m.percent}%)`).join(", "));
  const u = r.upstream;
  if (u?.path !== undefined) add("upstream", `${u.method} ${u.host} ${u.path}${u.tls ? ` (TLS, SNI ${u.sni})` : ""}${Object.keys(u.headers ?? {}).length ? ` ${JSON.stringify(u.headers)}` : ""}`);
  else if (u) add("upstream", u.tls ? `TLS passthrough, SNI ${u.sni}` : "plain connection");
  add("answer", answer(r));
  if (Object.keys(r.responseHeaders).length) add("headers", JSON.stringify(r.responseHeaders));
  add("why", r.reason);
  for (const s of r.steps.filter((s) => s.stage === "access")) add("unchecked", s.outcome);
  // An Envoy Gateway BackendTrafficPolicy's notes the reason does not carry (Conflicted policies; what some requests get when the answer is not the backend's).
  for (const s of r.steps.filter((s) => s.stage === "policy" && !r.reason.includes(s.outcome))) add("policy", s.outcome);
  for (const s of r.steps.filter((s) => s.stage === "backend-model")) add("backend", `${s.outcome}: ${(s.detail as string[]).join("; ")}`);
  if (r.candidates.length > 1 || (r.candidates.length && !r.route)) {
    lines.push("  candidates (best first):");
    const shown = r.candidates.slice(0, MAX_CANDIDATES);
    for (const c of shown) lines.push(`    ${c.route}${c.rule >= 0 ? ` rule ${c.rule} match ${c.match}` : ""}${c.hostname ? ` [${c.hostname}]` : ""}: ${c.outcome}`);
    if (r.candidates.length > shown.length) lines.push(`    ... ${r.candidates.length - shown.length} more (-o json lists all)`);
  }
  return lines;
}

export function resultsTable(requests: readonly RouteRequest[], results: readonly CheckedResult[]): string {
  const checked = results.some((r) => r.pass !== undefined);
  const rows: Row[] = results.map((r, i) => [i + 1, r.name ?? requestLine(requests[i]), answer(r), r.backend ?? "-", r.route ? `${r.route} #${r.rule}` : "-", ...(checked ? [r.pass === undefined ? "" : r.pass ? "ok" : "FAIL"] : [])]);
  const failures = results.flatMap((r, i) => (r.mismatches ?? []).map((m) => `#${i + 1}: ${m}\n`)).join("");
  const failed = results.filter((r) => r.pass === false).length;
  const header = ["#", "REQUEST", "ANSWER", "BACKEND", "ROUTE", ...(checked ? ["RESULT"] : [])];
  return renderTable(header, rows) + failures + (checked ? `\n${results.filter((r) => r.pass).length} passed, ${failed} failed\n` : "");
}
