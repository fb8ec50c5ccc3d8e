// The versioned HTTP API: one entry per path, each answering with the document the matching CLI
// command prints with -o json. Query parameters are turned into the command's own options and
// parsed by the command's parser, so that a bad parameter gets the CLI's error text.

import { InputError, parseCommand, str, UsageError, type Command, type Values } from "../cli/command.js";
import type { Analysis } from "../cli/analysis.js";
import { analyzeCommand, analyzeDocument, analyzeResult } from "../cli/commands/analyze.js";
import { explainCommand, explainResult, requestParams, requestResult } from "../cli/commands/explain.js";
import { exposureCommand, exposureResult } from "../cli/commands/exposure.js";
import { listCommand, listOptions, listResult, writeList } from "../cli/commands/list.js";
import { matrixCommand, matrixDocument, matrixResult } from "../cli/commands/matrix.js";
import { routeCommand, routeResult } from "../cli/commands/route.js";
import { statusCommand, statusDocument } from "../cli/commands/status.js";
import { validateCommand, validationDocument } from "../cli/commands/validate.js";
import { exposureData } from "../targets/exposure.js";
import { graphDocument } from "./graph.js";

/** A document already rendered as JSON (sent as it is). */
export class RawJson { constructor(readonly text: string) {} }

export interface Endpoint {
  path: string;
  summary: string;
  /** The CLI command whose -o json document this is, and the options accepted as query parameters. */
  command?: Command;
  params: readonly string[];
  /** Needs an input without errors (like every analysing command). */
  analysing: boolean;
  answer(a: Analysis, values: Values): unknown;
}

const noIo = { out() {}, err() {}, stdin: () => "", cwd: process.cwd() };

export const ENDPOINTS: readonly Endpoint[] = [
  { path: "/api/v1/summary", summary: "the overview (junction analyze -o json)", command: analyzeCommand, params: [], analysing: true,
    answer: (a) => analyzeDocument(analyzeResult(a)) },
  { path: "/api/v1/connections", summary: "who may reach whom (junction list -o json), with list's focus, --explain and --exposure", command: listCommand,
    params: ["group-by", "focus-workload", "focus-peer", "focus-direction", "focus-conn", "explain", "explain-only", "exposure", "l7"], analysing: true,
    answer: (a, v) => listJson(a, v) },
  { path: "/api/v1/matrix", summary: "the pods × pods truth table (junction matrix -o json)", command: matrixCommand, params: ["port", "protocol", "namespace"], analysing: true,
    answer: (a, v) => matrixDocument(matrixResult(a, v)) },
  { path: "/api/v1/explain", summary: "is this flow allowed, and why (junction explain -o json)", command: explainCommand, params: ["from", "to", "port", "protocol", "namespace", "network", "request", "header"], analysing: true,
    answer: (a, v) => (str(v, "request") !== undefined ? requestResult(a, requestParams(v)).document : explainResult(a, v).document) },
  { path: "/api/v1/route", summary: "where a request goes through a Gateway (junction route -o json)", command: routeCommand, params: ["request", "header", "gateway", "port", "sni"], analysing: true,
    answer: (a, v) => { if (v.requests !== undefined) throw new UsageError("--requests is not served: give request="); return routeResult(a, v, noIo); } },
  { path: "/api/v1/status", summary: "the status a Gateway API controller would write (junction status -o json)", command: statusCommand, params: [], analysing: true,
    answer: (a) => statusDocument(a) },
  { path: "/api/v1/exposure", summary: "what is exposed to the outside (junction exposure -o json)", command: exposureCommand, params: [], analysing: true,
    answer: (a) => exposureData(exposureResult(a)) },
  { path: "/api/v1/diagnostics", summary: "every diagnostic of the input (junction validate -o json)", command: validateCommand, params: [], analysing: false,
    answer: (a) => validationDocument(a.loaded) },
  { path: "/api/v1/graph", summary: "namespaces, workloads and their allowed connections, for the web UI", params: [], analysing: true,
    answer: (a) => graphDocument(a, listResult(a).entries) },
];

/** What `junction list -o json` prints for these options, written whole. */
function listJson(a: Analysis, values: Values): RawJson {
  const parts: string[] = [];
  writeList(a, listOptions({ ...values, output: "json" }), (text) => parts.push(text), () => {});
  return new RawJson(parts.join(""));
}

/** The command's option values for the query parameters (defaults applied, choices checked, as the CLI does). */
export function queryValues(e: Endpoint, query: URLSearchParams): Values {
  const argv: string[] = [];
  for (const [key, value] of query) {
    if (!e.params.includes(key)) throw new UsageError(`unknown parameter ${JSON.stringify(key)}${e.params.length ? ` (accepted: ${e.params.join(", ")})` : ""}`);
    const spec = e.command?.options[key];
    if (spec?.type === "boolean") { if (value !== "false") argv.push(`--${key}`); } else argv.push(`--${key}=${value}`);
  }
  return e.command ? parseCommand({ ...e.command, positionals: undefined }, argv).values : {};
}

export { InputError, UsageError };
