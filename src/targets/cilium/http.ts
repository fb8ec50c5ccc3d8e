// A common-API HTTP clause as one Cilium L7 `http` rule. Cilium's Envoy filter matches `method`,
// `path` and `host` as RE2 over the WHOLE :method, :path (the path WITH its query string, as sent)
// and :authority; `headerMatches` a header's exact value or its presence.
//
// The common API matches a path without its query string and fragment, after normalization
// (percent-encoded unreserved characters decoded, dot segments removed). So a compiled path regex:
//   - accepts any query string or fragment after the path: exact /api is ^/api([?#].*)?$, so
//     /api?x=1 passes as the common API lets it pass;
//   - accepts only paths already in normal form in its wildcard parts (no "." or ".." segment, no
//     percent-encoded unreserved character): no regular expression over the raw path can say
//     "after normalization" (/a/../b is not regular), so a raw path the common API would read
//     differently is refused (403), never let through: the compiled policy is never broader.
// The literal parts must be in normal form themselves (a value no normalized path equals is an error).

import type { Clause, Condition, StringMatch } from "../../model/l7.js";
import { istioNormalize } from "../../engine/l7/paths.js";
import { Unsupported } from "../problems.js";
import { escapeRegex } from "../../model/regex.js";

const ELSEWHERE = ["the common API (TrafficPolicy http)", "Istio (AuthorizationPolicy)"];

/** A percent-encoded character that normalization keeps encoded (not an unreserved one: A-Z a-z 0-9 - . _ ~). */
const PCT = "%(?:[0189A-Fa-f][0-9A-Fa-f]|2[0-9A-Ca-cFf]|3[A-Fa-f]|40|5[B-Eb-e]|60|7[B-Db-dFf])";
/** Segment characters (not "/", "?", "#"): with and without ".". */
const CHAR = `(?:[^/?#%]|${PCT})`, NODOT = `(?:[^/?#%.]|${PCT})`;
/** A segment in normal form, possibly empty: it has a character other than ".", or three dots or more (not "." or ".."). */
const SEGMENT = `(?:\\.*${NODOT}${CHAR}*|\\.{3,})?`;
/** Envoy's URI template characters (engine/l7/strings.ts), in normal form; a template segment is not empty. */
const TCHAR = `(?:[-a-zA-Z0-9._~!$&'()+,;:@=]|${PCT})`, TNODOT = `(?:[-a-zA-Z0-9_~!$&'()+,;:@=]|${PCT})`;
const TSEGMENT = `(?:\\.*${TNODOT}${TCHAR}*|\\.{3,})`;
/** Whatever follows the path in :path: the query string, or a fragment. */
const AFTER = "(?:[?#].*)?";

export interface CiliumHttpRule {
  method?: string;
  path?: string;
  host?: string;
  headerMatches?: { name: string; value?: string }[];
}

const anyOf = (alternatives: readonly string[]) => `^(?:${alternatives.join("|")})$`;

export function ciliumHttpRule(clause: Clause): CiliumHttpRule {
  const out: CiliumHttpRule = {};
  const set = (key: "method" | "path" | "host", value: string, c: Condition) => {
    if (out[key] !== undefined) throw new Unsupported(`two ${key} conditions`, `Cilium's http rule has one ${key} expression; ${JSON.stringify(c.attribute)} is matched twice in one entry`, ELSEWHERE);
    out[key] = value;
  };
  for (const c of clause) {
    if (c.not || !("values" in c)) throw new Unsupported(c.attribute, `Cilium's http rules cannot match ${c.not ? "the absence of " : ""}${c.attribute}`, ELSEWHERE);
    switch (c.attribute) {
      case "request.method": set("method", c.values.length === 1 && c.values[0].kind === "exact" ? `^${methodRegex(c.values[0])}$` : anyOf(c.values.map(methodRegex)), c); break;
      case "request.path": set("path", `^(?:${c.values.map(pathRegex).join("|")})${AFTER}$`, c); break;
      case "request.url": set("path", anyOf(c.values.map((m) => regexOnly(m, "path with query"))), c); break;
      case "request.host": set("host", anyOf(c.values.map((m) => regexOnly(m, "host"))), c); break;
      case "request.header": (out.headerMatches ??= []).push(headerMatch(c)); break;
      default: throw new Unsupported(c.attribute, `Cilium's http rules cannot match ${c.attribute}`, ELSEWHERE);
    }
  }
  return out;
}

function methodRegex(m: StringMatch): string {
  if (m.kind === "exact" && !m.ignoreCase) return escapeRegex(m.value);
  return regexOnly(m, "method");
}

function regexOnly(m: StringMatch, what: string): string {
  if (m.kind === "regex") return m.regex;
  throw new Unsupported(`${what} form`, `a ${what} matched as ${m.kind} has no Cilium form here`, ELSEWHERE);
}

/** One path value over the raw path (without what follows it: query or fragment). */
function pathRegex(m: StringMatch): string {
  switch (m.kind) {
    case "exact": return escapeRegex(literal(m.value, m.value));
    case "segments": {
      const p = m.value.length > 1 && m.value.endsWith("/") ? m.value.slice(0, -1) : m.value;
      return p === "/" ? `(?:/${SEGMENT})+` : `${escapeRegex(literal(p, m.value))}(?:/${SEGMENT})*`;
    }
    case "template": {
      literal(m.template.replaceAll("{**}", "x").replaceAll("{*}", "x"), m.template);
      return m.template.split(/(\{\*\*\}|\{\*\})/).map((part) =>
        part === "{*}" ? TSEGMENT : part === "{**}" ? `(?:${TSEGMENT}|)(?:/(?:${TSEGMENT}|))*` : escapeRegex(part)).join("");
    }
    case "regex": throw new Unsupported("path regex without query", "the common API matches this regular expression over the normalized path without its query string; Cilium matches the path as sent with its query string, and no expression over one says the other (write {regex: ..., query: true} to match the path as sent)", ELSEWHERE);
    default: throw new Unsupported("path form", `a path matched as ${m.kind} has no Cilium form`, ELSEWHERE);
  }
}

/** A literal path part: it must be what a normalized path can be (no query, no dot segments, nothing left to decode). */
function literal(text: string, written: string): string {
  if (/[?#]/.test(text) || istioNormalize(text) !== text) {
    throw new Unsupported("path not in normal form", `${JSON.stringify(written)} is not a normalized path (the common API compares normalized paths without query, so it never matches one as written)`, ELSEWHERE);
  }
  return text;
}

function headerMatch(c: Extract<Condition, { values: unknown }>): { name: string; value?: string } {
  const [v] = c.values;
  if (c.values.length !== 1 || (v.kind !== "present" && (v.kind !== "exact" || v.ignoreCase))) {
    throw new Unsupported("header pattern", `Cilium's headerMatches compare one exact value or presence; header ${c.name} is matched otherwise`, ELSEWHERE);
  }
  return v.kind === "present" ? { name: c.name ?? "" } : { name: c.name ?? "", value: v.value };
}
