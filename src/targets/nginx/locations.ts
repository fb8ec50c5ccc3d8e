// The locations of one server, from the engine's rule matches in the engine's precedence order.
// nginx picks a location by path (every prefix location is ^~, so no regular-expression location
// ever overrides one); the location's list holds every match that can apply to a path landing
// there, best first, ending at the first one that needs nothing but the path. When the first needs
// more (method, headers, query, a path or gRPC regex), njs walks the list (a table entry each).

import type { Applied } from "../../engine/gateway/precedence.js";
import { grpcPathRegex, prefixMatches } from "../../engine/gateway/match.js";
import type { NameValueMatch, RouteMatch } from "../../model/route.js";
import { arg, block, dir, type Directive } from "./conf.js";
import type { TableEntry } from "./context.js";
import { NginxUnsupported } from "./problems.js";
import { re2ToJs } from "./regex.js";

/** Where nginx can find a match by path alone: an exact path, a path prefix ("" is "/"), or anywhere. */
export type PathClass = { kind: "exact"; path: string } | { kind: "prefix"; path: string } | { kind: "any" };

export interface Candidate {
  applied: Applied;
  path: PathClass;
  /** What njs must still check; undefined when the path decides. */
  residual?: TableEntry;
}

/** A location: "= PATH", "^~ PATH/" or "/" (the root prefix). */
export type LocationKey = { kind: "exact"; path: string } | { kind: "dir"; path: string } | { kind: "root" };

const trimSlash = (p: string) => (p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p === "/" ? "" : p);

function valueMatch(m: NameValueMatch, lower: boolean): [string, string, string] {
  if (m.dialect === "pcre") throw new NginxUnsupported("a PCRE regular expression", "this match comes from an Ingress");
  return [lower ? m.name.toLowerCase() : m.name, m.type === "Exact" ? "E" : "R", m.type === "Exact" ? m.value : re2ToJs(m.value)];
}

function httpPath(m: RouteMatch): { path: PathClass; p?: string } {
  const p = m.path!;
  if (p.dialect === "pcre") throw new NginxUnsupported("a PCRE regular expression", "this match comes from an Ingress");
  if (p.type === "Exact") return { path: { kind: "exact", path: p.value } };
  if (p.type === "PathPrefix") return { path: { kind: "prefix", path: trimSlash(p.value) } };
  return { path: { kind: "any" }, p: re2ToJs(p.value) };
}

/** gRPC: an exact service and method is an exact path; anything else is checked by njs on /SERVICE/METHOD. */
function grpcPath(m: RouteMatch): { path: PathClass; g?: TableEntry["g"]; p?: string } {
  const g = m.grpc;
  if (!g) return { path: { kind: "any" } };
  if (g.type === "Exact" && g.service !== undefined && g.method !== undefined) return { path: { kind: "exact", path: `/${g.service}/${g.method}` } };
  // A regular expression is one over the path (the engine's grpcPathRegex); njs still checks the path is /SERVICE/METHOD.
  if (g.type === "RegularExpression") return { path: { kind: "any" }, p: re2ToJs(grpcPathRegex(g)), g: ["R", null, null] };
  const path: PathClass = g.service !== undefined ? { kind: "prefix", path: `/${g.service}` } : { kind: "any" };
  return { path, g: ["E", g.service ?? null, g.method ?? null] };
}

export function candidateOf(applied: Applied, grpc: boolean): Candidate {
  const m = applied.match;
  const r: TableEntry = {};
  let path: PathClass;
  if (grpc) { const x = grpcPath(m); path = x.path; if (x.g) r.g = x.g; if (x.p) r.p = x.p; }
  else { const x = httpPath(m); path = x.path; if (x.p) r.p = x.p; }
  if (m.method) r.m = m.method;
  if (m.headers.length) r.h = m.headers.map((h) => valueMatch(h, true));
  if (m.queryParams.length) r.q = m.queryParams.map((q) => valueMatch(q, false));
  return { applied, path, residual: Object.keys(r).length ? r : undefined };
}

/** Every location the candidates need, the root always among them. */
export function locationKeys(cands: readonly Candidate[]): LocationKey[] {
  const keys = new Map<string, LocationKey>([["/", { kind: "root" }]]);
  for (const c of cands) {
    if (c.path.kind === "any" || (c.path.kind === "prefix" && c.path.path === "")) continue;
    keys.set(`=${c.path.path}`, { kind: "exact", path: c.path.path });
    if (c.path.kind === "prefix") keys.set(`^${c.path.path}`, { kind: "dir", path: c.path.path });
  }
  return [...keys.values()];
}

/** Whether the candidate can match a request whose path lands in location `k`. */
export function applies(c: Candidate, k: LocationKey): boolean {
  const p = c.path;
  if (p.kind === "any") return true;
  if (p.kind === "exact") return k.kind === "exact" && k.path === p.path;
  if (p.path === "") return true;
  if (k.kind === "exact") return prefixMatches(p.path, k.path);
  return k.kind === "dir" && (k.path === p.path || k.path.startsWith(`${p.path}/`));
}

/** The candidates of location `k`, best first, up to the first that needs nothing more. */
export function candidatesAt(cands: readonly Candidate[], k: LocationKey): Candidate[] {
  const out: Candidate[] = [];
  for (const c of cands) {
    if (!applies(c, k)) continue;
    out.push(c);
    if (!c.residual) break;
  }
  return out;
}

/** The path nginx compares (percent-decoded, as $uri is); an encoded "/" cannot be told apart. */
function decoded(path: string): string {
  if (/%2f/i.test(path)) throw new NginxUnsupported("an encoded slash in a path match", `nginx decodes %2F in ${path} before choosing a location`);
  try { return decodeURIComponent(path); } catch { throw new NginxUnsupported("this path match", `${path} is not valid percent-encoding`); }
}

export function locationBlock(k: LocationKey, body: Directive[]): Directive {
  if (k.kind === "root") return block("location", ["/"], body);
  if (k.kind === "exact") return block("location", ["=", arg(decoded(k.path))], body);
  return block("location", ["^~", arg(`${decoded(k.path)}/`)], body);
}

/** The body of a location that lets njs choose among table entries. */
export function njsBody(key: string): Directive[] {
  return [dir("set", "$jx_key", key), dir("js_content", "jx.route")];
}
