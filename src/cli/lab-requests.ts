// `junction lab probe --requests FILE`: every request answered twice, by the engine (on the inputs
// the lab was started with) and for real through the lab's nginx, side by side with what the file
// expects. A request passes when real = engine, and both hold the file's expectation if it has one.

import { walkRequest, requestProblem } from "../engine/request.js";
import { checkExpectation } from "../engine/gateway/expect.js";
import type { RouteResult } from "../engine/gateway/request.js";
import { shownScheme } from "../model/request.js";
import { LabError } from "../lab/exec.js";
import { findTlsMaterial } from "../engine/gateway/tlsrefs.js";
import type { Inventory } from "../model/inventory.js";
import { jobFor, realResult, sendJobs, servedBy, type RealResult } from "../lab/l7probe.js";
import { applyAssigned } from "../lab/plan.js";
import type { LabDir } from "../lab/state.js";
import { loadFiles } from "../sources/load.js";
import type { RequestEntry } from "../sources/requests.js";
import { answerData } from "../targets/request.js";
import { renderTable } from "../targets/table.js";
import { Analysis } from "./analysis.js";

export interface LabRequestResult {
  name?: string;
  expect?: Record<string, unknown>;
  engine: Record<string, unknown>;
  real: RealResult;
  /** Where real and engine differ; then where real misses the expectation. */
  realVsEngine: string[];
  realVsExpected: string[];
  engineVsExpected: string[];
  pass: boolean;
}

/** The engine's answer as an expectation the real one must meet: the fields a real request can show. */
function engineExpectation(r: RouteResult): Record<string, unknown> {
  // A weighted split answers from any of its backends: which one is chance, for nginx as for any proxy.
  const split = r.backends.filter((b) => b.weight > 0).length > 1;
  const e: Record<string, unknown> = { status: r.status, ...(split ? {} : { backend: r.backend }) };
  if (r.connection) { e.connection = r.connection; delete e.status; }
  if (r.grpcCode) e.grpcCode = r.grpcCode;
  // A request without a Host is sent with the Gateway's address as its Host: the engine's "" is not compared.
  if (r.redirect) e.redirect = { scheme: r.redirect.scheme, ...(r.redirect.host ? { host: r.redirect.host } : {}), port: r.redirect.port, path: r.redirect.path, statusCode: r.redirect.statusCode };
  if (r.upstream?.path !== undefined && r.backend) e.upstream = { path: r.upstream.path, method: r.upstream.method, ...(r.upstream.headers && !split ? { headers: r.upstream.headers } : {}) };
  // The Location header is the redirect, compared above.
  const headers = Object.entries(r.responseHeaders).filter(([k]) => k.toLowerCase() !== "location");
  if (headers.length) e.responseHeaders = Object.fromEntries(headers);
  // A mirror of a percentage of the requests may or may not get this one.
  if (r.mirroredTo.some((m) => m.percent >= 100)) e.mirroredTo = r.mirroredTo.filter((m) => m.percent >= 100).map((m) => m.name);
  return e;
}

const asResult = (r: RealResult) => r as unknown as RouteResult;

/** For a weighted split: the real backend must be one the split can send to. */
function splitBackend(r: RouteResult, real: RealResult): string[] {
  const names = r.backends.filter((b) => b.weight > 0).map((b) => b.name);
  if (names.length < 2 || real.backend === null || names.includes(real.backend) || (real.service !== undefined && names.includes(real.service))) return [];
  return [`backend: expected one of ${names.join(", ")}, got ${JSON.stringify(real.backend)}`];
}

/** The client certificate a request presents: the Secret's (NS/NAME) certificate and key from the inputs. */
function clientCertificate(inv: Inventory, ref: string | undefined): { clientCert?: { cert: string; key: string } } {
  if (!ref) return {};
  const [ns, name] = ref.split("/");
  const m = findTlsMaterial(inv.routing, "Secret", ns, name);
  if (!m?.privateKey || !m.certificates.length) throw new LabError(`clientCert ${ref}: no Secret with a certificate and key of that name in the lab's inputs`);
  return { clientCert: { cert: m.certificates.join("\n"), key: m.privateKey } };
}

/** Sends the requests through the lab and answers them with the engine. */
export function labRequests(dir: LabDir, entries: readonly RequestEntry[], progress: (m: string) => void): LabRequestResult[] {
  const state = dir.read();
  if (!state.l7?.gateways.length) throw new LabError(`lab ${dir.name} runs no Gateway on nginx (start it with 'junction lab up -f PATH' on an input with Gateways)`);
  const loaded = loadFiles(state.inputs);
  applyAssigned(loaded.inventory, state.assigned);
  const a = new Analysis(loaded, state.options);
  const problems = entries.flatMap((e, i) => { const p = requestProblem(a.walk, e.request); return p ? [`request ${i + 1}: ${p}`] : []; });
  if (problems.length) throw new LabError(problems.join("\n"));
  const engine = entries.map((e) => walkRequest(a.walk, e.request));
  const run = `${process.pid}-${Date.now()}`;
  const jobs = entries.map((e, i) => ({ ...jobFor(state.l7!, e.request, `${run}-${i + 1}`), ...clientCertificate(loaded.inventory, e.request.clientCert) }));
  progress(`sending ${jobs.length} request${jobs.length === 1 ? "" : "s"} through nginx`);
  const answers = sendJobs(state.l7, jobs);
  // Mirrors are sent after the answer: give them a moment to reach their backend.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, entries.some((_, i) => engine[i].mirroredTo.length) ? 300 : 0);
  const served = servedBy(dir.path("echo-requests.log"));
  return entries.map((e, i) => {
    const real = realResult(jobs[i], answers[i], served.get(jobs[i].id) ?? []);
    const realVsEngine = [...checkExpectation(engineExpectation(engine[i]), asResult(real)), ...splitBackend(engine[i], real)];
    const realVsExpected = e.expect ? checkExpectation(e.expect, asResult(real)) : [];
    const engineVsExpected = e.expect ? checkExpectation(e.expect, engine[i]) : [];
    return {
      ...(e.name ? { name: e.name } : {}), ...(e.expect ? { expect: e.expect } : {}),
      engine: answerData(engine[i], a.lines), real, realVsEngine, realVsExpected, engineVsExpected,
      pass: !realVsEngine.length && !realVsExpected.length && !engineVsExpected.length,
    };
  });
}

const brief = (r: { status?: unknown; connection?: unknown; backend?: unknown; redirect?: unknown }) => {
  const redirect = r.redirect as { statusCode?: number; scheme?: string; host?: string; port?: number | null; path?: string } | null | undefined;
  const head = r.connection ? `connection ${String(r.connection)}` : r.status === null || r.status === undefined ? "-" : String(r.status);
  if (redirect) return `${head} -> ${redirect.scheme ?? "*"}://${redirect.host ?? "*"}${redirect.port ? `:${redirect.port}` : ""}${redirect.path ?? "*"}`;
  return r.backend ? `${head} ${String(r.backend)}` : head;
};

/** The side-by-side table: request, expected, engine, real, and what differs. */
export function labRequestsTable(entries: readonly RequestEntry[], results: readonly LabRequestResult[]): string {
  const rows = results.map((r, i) => {
    const req = entries[i].request;
    const what = `${["tcp", "udp", "tls"].includes(req.scheme) ? "" : `${req.method} `}${shownScheme(req)}://${req.host ?? "(gateway address)"}${req.port ? `:${req.port}` : ""}${req.path}`;
    const differs = [...r.realVsEngine.map((d) => `real vs engine ${d}`), ...r.realVsExpected.map((d) => `real ${d}`), ...r.engineVsExpected.map((d) => `engine ${d}`)];
    return [String(i + 1), what, r.expect ? brief(r.expect) : "-", brief(r.engine), brief(r.real), r.pass ? "yes" : `NO: ${differs.join("; ")}`];
  });
  const passed = results.filter((r) => r.pass).length;
  return `${renderTable(["#", "REQUEST", "EXPECTED", "ENGINE", "REAL (nginx)", "AGREE"], rows)}\n${passed} of ${results.length} requests: real = engine${results.some((r) => r.expect) ? " = expected" : ""}\n`;
}
