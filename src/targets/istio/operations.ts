// A common-API rule's ports and HTTP clauses as Istio operations and `when` conditions. Istio values
// are exact, "prefix*", "*suffix" or "*" (and URI templates for paths); what they cannot say exactly
// (regular expressions, query strings, wildcard hosts) throws Unsupported.

import type { Clause, Condition, StringMatch } from "../../model/l7.js";
import type { NamedPort, PortMatch } from "../../model/ports.js";
import { hostOfMatch } from "../../sources/trafficpolicy-http.js";
import { Unsupported } from "../problems.js";

const ELSEWHERE = ["Cilium (L7 http rules, RE2)", "the common API (TrafficPolicy http)"];
/** Port ranges up to this size are written out port by port (Istio has no ranges). */
const MAX_EXPANDED_RANGE = 64;

export interface IstioOperation {
  operation: Record<string, string[]>;
  when: { key: string; values: string[] }[];
}

/** Ports as Istio operation ports; undefined: every port. Istio's proxies carry TCP only. */
export function istioPorts(ports: readonly PortMatch[] | undefined, destPorts: readonly NamedPort[]): string[] | undefined {
  if (!ports) return undefined;
  const out = new Set<string>();
  for (const m of ports) {
    if (m.kind !== "named" && m.protocol !== "TCP") throw new Unsupported(`${m.protocol} ports`, `Istio's proxies authorize TCP traffic only; ${m.protocol} is never seen`, ["NetworkPolicy", "Cilium", "the common API (TrafficPolicy)"]);
    if (m.kind === "protocol") return undefined;
    if (m.kind === "range") {
      if (m.last - m.first >= MAX_EXPANDED_RANGE) throw new Unsupported("port range", `Istio ports are single numbers; ${m.first}-${m.last} has more than ${MAX_EXPANDED_RANGE} ports`, ["NetworkPolicy", "Cilium"]);
      for (let p = m.first; p <= m.last; p++) out.add(String(p));
    } else {
      // A named port is the numbers the subject's endpoints give that name (TCP).
      for (const d of destPorts) if (d.name === m.name && d.protocol === "TCP" && (m.protocol ?? "TCP") === "TCP") out.add(String(d.port));
    }
  }
  return [...out];
}

/** One HTTP clause (conditions ANDed) as an operation plus `when` conditions (for headers). */
export function istioOperation(clause: Clause): IstioOperation {
  const operation: Record<string, string[]> = {};
  const when: IstioOperation["when"] = [];
  for (const c of clause) {
    if (c.attribute === "request.header") { when.push({ key: `request.headers[${c.name}]`, values: c.values.map(headerValue) }); continue; }
    const [field, values] = operationField(c);
    const key = c.not ? `not${field[0].toUpperCase()}${field.slice(1)}` : field;
    operation[key] = [...(operation[key] ?? []), ...values];
  }
  return { operation, when };
}

function operationField(c: Condition): [string, string[]] {
  if (!("values" in c)) throw new Unsupported(c.attribute, `Istio operations cannot match ${c.attribute}`, ELSEWHERE);
  switch (c.attribute) {
    case "request.method": return ["methods", c.values.map((v) => plain(v, "method"))];
    case "request.path": return ["paths", c.values.flatMap(pathValues)];
    case "request.host": return ["hosts", c.values.flatMap(hostValues)];
    case "request.url": throw new Unsupported("path with query string", "Istio matches paths without the query string", ["Cilium (L7 http rules)"]);
    default: throw new Unsupported(c.attribute, `Istio operations cannot match ${c.attribute}`, ELSEWHERE);
  }
}

/** An exact value that Istio would not read as a wildcard. */
function plain(m: StringMatch, what: string): string {
  if (m.kind === "exact" && !m.ignoreCase && !m.value.startsWith("*") && !m.value.endsWith("*")) return m.value;
  throw new Unsupported(`${what} pattern`, `Istio matches a ${what} exactly, by prefix or by suffix; ${JSON.stringify(m.kind === "regex" ? m.regex : "value" in m ? m.value : m.kind)} cannot be written so`, ELSEWHERE);
}

/** Paths: exact, whole-segment prefixes ("/api" → "/api" and "/api/*"), URI templates. */
function pathValues(m: StringMatch): string[] {
  switch (m.kind) {
    case "template": return [m.template];
    case "segments": { const base = m.value.replace(/\/+$/, ""); return base ? [base, `${base}/*`] : ["/*"]; }
    default: return [plain(m, "path")];
  }
}

/** Hosts: the common API matches a host in any case with any port; Istio's hosts compare in any case, the port included. */
function hostValues(m: StringMatch): string[] {
  const host = hostOfMatch(m);
  if (host === undefined || host.startsWith("*.")) {
    throw new Unsupported("host pattern", `Istio's hosts cannot match ${host ?? "a regular expression"} with and without a port`, ELSEWHERE);
  }
  return [host, `${host}:*`];
}

function headerValue(m: StringMatch): string {
  return m.kind === "present" ? "*" : plain(m, "header value");
}
