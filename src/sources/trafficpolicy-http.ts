// The common API's per-request matches (TrafficPolicy rules' `http`), lowered into L7 clauses.
//   http: [{methods, paths, hosts, headers}]   entries are ORed; in one entry the lists are ANDed
//   and the values of one list ORed.
//   methods  "GET" (exact), or {regex: "GET|HEAD"}
//   paths    {exact: "/a"}, {prefix: "/api"} (whole segments: /api and /api/x, not /apix),
//            {template: "/orders/{*}/items/{**}"} ({*} one segment, {**} any number), {regex: R}
//            (RE2 over the whole path; with query: true over the path and its query string), or a
//            string: a regular expression over the whole path. Paths are matched without the query
//            string, after dot segments are removed ("/a/../b" is "/b").
//   hosts    "api.example.com" or "*.example.com" (any case, any port), or {regex: R} over the Host
//            header as sent
//   headers  "Name" (present) or "Name: value" (exact value); names in any case
// The rule's action decides matching requests; a request that matches no entry is looked at by the
// next rule (httpMode "match").

import { escapeRegex, REGEX_SEMANTICS, regexError } from "../model/regex.js";
import type { Clause, Condition, StringMatch } from "../model/l7.js";
import type { Field } from "./fields.js";

const ENTRY_KEYS = ["methods", "paths", "hosts", "headers"];
const PATH_FORMS = ["exact", "prefix", "template", "regex"];

export function readHttpClauses(f: Field): Clause[] | undefined {
  const list = f.list({ min: 1 });
  if (!list) return undefined;
  return list.map((m) => {
    if (!m.object(true)) return [];
    m.onlyKeys(ENTRY_KEYS, "an http match");
    const out: Condition[] = [];
    const methods = values(m.get("methods"), readMethod);
    if (methods) out.push({ attribute: "request.method", values: methods });
    const paths = readPaths(m.get("paths"));
    out.push(...paths);
    const hosts = values(m.get("hosts"), readHost);
    if (hosts) out.push({ attribute: "request.host", values: hosts });
    for (const h of m.get("headers").list({ min: 1 }) ?? []) { const c = readHeader(h); if (c) out.push(c); }
    return out;
  });
}

function values(f: Field, read: (v: Field) => StringMatch | undefined): StringMatch[] | undefined {
  return f.list({ min: 1 })?.map(read).filter((v): v is StringMatch => v !== undefined);
}

function readMethod(f: Field): StringMatch | undefined {
  if (typeof f.value === "object" && f.value !== null) return readRegexObject(f);
  const v = f.string({ required: true, nonEmpty: true });
  if (v !== undefined && !/^[A-Z]+$/.test(v)) return f.error("invalid", `${JSON.stringify(v)} is not an HTTP method (upper case, e.g. GET)`);
  return v === undefined ? undefined : { kind: "exact", value: v };
}

/** Paths without query, and paths with it (regex with query: true), as separate conditions. */
function readPaths(f: Field): Condition[] {
  const plain: StringMatch[] = [], withQuery: StringMatch[] = [];
  const list = f.list({ min: 1 });
  if (!list) return [];
  for (const p of list) {
    const m = readPath(p);
    if (!m) continue;
    (m.query ? withQuery : plain).push(m.match);
  }
  if (plain.length && withQuery.length) f.error("unsupported", "paths of one match are all matched with the query string (regex with query: true) or all without it; split the match");
  return plain.length ? [{ attribute: "request.path", values: plain }] : withQuery.length ? [{ attribute: "request.url", values: withQuery }] : [];
}

function readPath(f: Field): { match: StringMatch; query?: boolean } | undefined {
  if (typeof f.value === "string") { const r = regexOf(f, f.value); return r ? { match: r } : undefined; }
  if (!f.object(true)) return undefined;
  const keys = f.keys().filter((k) => k !== "query");
  const form = keys.length === 1 && PATH_FORMS.includes(keys[0]) ? keys[0] : f.error("invalid", `a path is a string (a regular expression) or exactly one of ${PATH_FORMS.map((k) => `{${k}: ...}`).join(", ")}`);
  if (f.get("query").present && form !== "regex") f.get("query").error("forbidden", "query: true goes with {regex: ...} only");
  const v = form ? f.get(form).string({ required: true, nonEmpty: true }) : undefined;
  if (!form || v === undefined) return undefined;
  if (form === "regex") { const r = regexOf(f.get("regex"), v); return r ? { match: r, query: f.get("query").bool() === true } : undefined; }
  if (!v.startsWith("/")) return f.get(form).error("invalid-path", "must start with '/'");
  if (form === "template") return templateError(v) ? f.get(form).error("invalid", templateError(v)!) : { match: { kind: "template", template: v } };
  return { match: form === "exact" ? { kind: "exact", value: v } : { kind: "segments", value: v } };
}

function readHost(f: Field): StringMatch | undefined {
  if (typeof f.value === "object" && f.value !== null) return readRegexObject(f);
  const v = f.string({ required: true, nonEmpty: true });
  if (v === undefined) return undefined;
  if (!/^(\*\.)?[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$/.test(v)) return f.error("invalid", `${JSON.stringify(v)} is not a host name ("api.example.com" or "*.example.com")`);
  return hostMatch(v);
}

/** A host name ("api.example.com", "*.example.com") as the common API matches it: any case, any port. */
export function hostMatch(v: string): StringMatch {
  const name = v.startsWith("*.") ? `[^:]+${escapeRegex(v.slice(1))}` : escapeRegex(v);
  return { kind: "regex", regex: `(?i)${name}(:[0-9]+)?` };
}

function readHeader(f: Field): Condition | undefined {
  const v = f.string({ required: true, nonEmpty: true });
  if (v === undefined) return undefined;
  const i = v.indexOf(":");
  const name = (i < 0 ? v : v.slice(0, i)).trim().toLowerCase();
  if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) return f.error("invalid", `${JSON.stringify(v)}: write "Name" or "Name: value"`);
  return { attribute: "request.header", name, values: [i < 0 ? { kind: "present" } : { kind: "exact", value: v.slice(i + 1).trim() }] };
}

function readRegexObject(f: Field): StringMatch | undefined {
  const keys = f.keys();
  if (keys.length !== 1 || keys[0] !== "regex") return f.error("invalid", "write a string, or {regex: ...}");
  const v = f.get("regex").string({ required: true, nonEmpty: true });
  return v === undefined ? undefined : regexOf(f.get("regex"), v);
}

function regexOf(f: Field, source: string): StringMatch | undefined {
  const err = regexError(source, REGEX_SEMANTICS.trafficPolicy);
  return err ? f.error("invalid", `${JSON.stringify(source)} is not a valid RE2 regular expression (${err})`) : { kind: "regex", regex: source };
}

/** The host written in the policy ("api.example.com", "*.example.com") from readHost's match; undefined for a regex written as one. */
export function hostOfMatch(m: StringMatch): string | undefined {
  const r = m.kind === "regex" ? /^\(\?i\)(\[\^:\]\+)?((?:\\.|[-A-Za-z0-9])+)\(:\[0-9\]\+\)\?$/.exec(m.regex) : null;
  return r ? `${r[1] ? "*" : ""}${r[2].replace(/\\\./g, ".")}` : undefined;
}


/** Why a path template is not valid ({**} only as the last operator, no other braces), or undefined. */
export function templateError(t: string): string | undefined {
  const ops = t.split("/").filter((seg) => seg.includes("{") || seg.includes("}"));
  let any = false;
  for (const seg of ops) {
    if (seg !== "{*}" && seg !== "{**}") return `${JSON.stringify(t)}: a template segment is {*} or {**} alone (found ${JSON.stringify(seg)})`;
    if (any) return `${JSON.stringify(t)}: {**} must be the last operator`;
    if (seg === "{**}") any = true;
  }
  return undefined;
}
