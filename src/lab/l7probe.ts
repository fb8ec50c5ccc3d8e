// Real requests through the lab's nginx: each request of a requests file sent from the client
// namespace to its Gateway's address, and what came back read as a route result (status, the
// Service whose echo backend answered, the upstream request it saw, the redirect, the response
// headers, the mirrors that received a copy), so that it compares field by field with the engine's.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DEFAULT_PORT, GRPC_OF_HTTP, grpcStatusName, type RouteRequest } from "../model/request.js";
import type { ClientAnswer, ClientJob } from "./client.js";
import { ECHO_HEADER, PROBE_HEADER, SET_HEADER } from "./echo.js";
import { LabError } from "./exec.js";
import type { L7State } from "./l7.js";

const CLIENT_MAIN = fileURLToPath(new URL("./client-main.js", import.meta.url));
/** Response headers every answer carries, not what routes set. */
const TRANSPORT = new Set([ECHO_HEADER, "upgrade", "date", "content-length", "content-type", "connection", "keep-alive", "transfer-encoding", "server", "location"]);

/** A real answer in the fields of a route result. */
export interface RealResult {
  status: number | null;
  connection?: "rejected" | "failed";
  grpcCode?: string;
  backend: string | null;
  /** The Service (NS/NAME) whose echo backend answered, when one did. */
  service?: string;
  redirect: { scheme: string; host: string; port: number | null; path: string; statusCode: number } | null;
  upstream: { host?: string; path?: string; method?: string; headers?: Record<string, string>; tls?: boolean; sni?: string } | null;
  responseHeaders: Record<string, string>;
  mirroredTo: { name: string; percent: number }[];
  /** How the connection ended or what nginx said, when no backend answered. */
  detail?: string;
}

interface Echoed { service?: string; backend?: string; path?: string; host?: string; method?: string; headers?: Record<string, string[]>; tls?: { serverName?: string } }

/** The job for one request: to the Gateway's address, the request's port (or its scheme's). */
export function jobFor(state: L7State, req: RouteRequest, id: string): ClientJob {
  const g = state.gateways.find((x) => x.ref === req.gateway) ?? (state.gateways.length === 1 && req.gateway === undefined ? state.gateways[0] : undefined);
  if (!g) throw new LabError(`request ${id}: gateway ${req.gateway ?? "(none)"} is not running in the lab (running: ${state.gateways.map((x) => x.ref).join(", ")})`);
  const headers: [string, string][] = [...req.headers, [PROBE_HEADER, id], ...req.backendResponseHeaders.map(([k, v]) => [SET_HEADER, `${k}: ${v}`] as [string, string])];
  return {
    id, address: g.address, port: req.port ?? DEFAULT_PORT[req.scheme], scheme: req.scheme, protocol: req.protocol,
    host: req.host ?? g.address, sni: req.sni, path: req.path, method: req.method, headers, timeoutMs: 4000,
  };
}

/** Sends the jobs from the client namespace; answers in job order. */
export function sendJobs(state: L7State, jobs: readonly ClientJob[]): ClientAnswer[] {
  if (!jobs.length) return [];
  const r = spawnSync("ip", ["netns", "exec", state.client, process.execPath, CLIENT_MAIN], { input: JSON.stringify(jobs), encoding: "utf8", maxBuffer: 1 << 28, timeout: 60_000 + jobs.length * 5000 });
  if (r.status !== 0) throw new LabError(`the lab's client failed: ${(r.stderr || r.error?.message || "").trim().split("\n").slice(-3).join(" | ")}`);
  return JSON.parse(r.stdout) as ClientAnswer[];
}

function parseJson(body: string | undefined): Echoed | undefined {
  if (!body) return undefined;
  try { const v = JSON.parse(body.trim().split("\n")[0]) as Echoed; return v && typeof v === "object" && typeof v.service === "string" ? v : undefined; } catch { return undefined; }
}

function redirectOf(status: number, headers: [string, string][]): RealResult["redirect"] {
  const location = headers.find(([k]) => k.toLowerCase() === "location")?.[1];
  if (status < 300 || status > 399 || !location) return null;
  try {
    const u = new URL(location);
    const scheme = u.protocol.replace(/:$/, "");
    return { scheme, host: u.hostname, port: u.port ? Number(u.port) : null, path: u.pathname, statusCode: status };
  } catch { return { scheme: "", host: "", port: null, path: location, statusCode: status }; }
}

function responseHeaders(headers: [string, string][]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of headers) {
    const n = k.toLowerCase();
    if (TRANSPORT.has(n)) continue;
    // Repeated header lines are one value, joined with "," as the Gateway API conformance tests join them.
    out[n] = out[n] === undefined ? v : `${out[n]},${v}`;
  }
  return out;
}

/** What the answer says, as a route result; `mirrors` are the Services that logged this probe's id. */
export function realResult(job: ClientJob, a: ClientAnswer, mirrors: readonly string[]): RealResult {
  const base: RealResult = { status: null, backend: null, redirect: null, upstream: null, responseHeaders: {}, mirroredTo: [] };
  if (a.connection) return { ...base, connection: a.connection, detail: a.detail };
  const echoed = parseJson(a.body) ?? parseJson(a.headers?.find(([k]) => k.toLowerCase() === ECHO_HEADER)?.[1]);
  const backend = echoed?.backend ?? echoed?.service ?? null;
  if (echoed?.service) base.service = echoed.service;
  const mirroredTo = mirrors.filter((m) => m !== backend).map((name) => ({ name, percent: 100 }));
  if (a.status === undefined) return { ...base, backend, mirroredTo, upstream: echoed ? { tls: echoed.tls !== undefined, ...(echoed.tls?.serverName ? { sni: echoed.tls.serverName } : {}) } : null };
  const headers = a.headers ?? [];
  const upstream = echoed?.path !== undefined ? {
    host: echoed.host, path: echoed.path, method: echoed.method,
    headers: Object.fromEntries(Object.entries(echoed.headers ?? {}).filter(([k]) => k.toLowerCase() !== PROBE_HEADER && k.toLowerCase() !== SET_HEADER).map(([k, v]) => [k, v.join(",")])),
    tls: echoed.tls !== undefined, ...(echoed.tls?.serverName ? { sni: echoed.tls.serverName } : {}),
  } : null;
  const grpcCode = job.protocol !== "grpc" ? undefined : a.grpcStatus !== undefined ? grpcStatusName(a.grpcStatus) : GRPC_OF_HTTP[a.status] ?? "UNKNOWN";
  return {
    ...base, status: a.status, ...(grpcCode ? { grpcCode } : {}), backend, redirect: redirectOf(a.status, headers), upstream,
    responseHeaders: responseHeaders(headers), mirroredTo, ...(echoed ? {} : { detail: (a.body ?? "").replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim().slice(0, 80) }),
  };
}

/** Services the echo backends logged per probe id (mirrors get a copy with the same id). */
export function servedBy(logPath: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let text = "";
  try { text = readFileSync(logPath, "utf8"); } catch { return out; }
  for (const line of text.split("\n")) {
    const [id, service] = line.split(" ");
    if (id && service) out.set(id, [...new Set([...(out.get(id) ?? []), service])]);
  }
  return out;
}
