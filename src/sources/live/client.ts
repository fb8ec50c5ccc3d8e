// The cluster connection: a kubeconfig (or the in-cluster service account) read by
// @kubernetes/client-node, which also authenticates every request (certificates, tokens, exec
// plugins). Lists and watches are raw JSON requests, so that objects reach the front ends exactly as
// the API server wrote them (the typed client would drop fields it does not know), read alike
// (int64Exact), in bounded memory.

import { existsSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { homedir } from "node:os";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { int64Exact, tooDeep } from "../strictjson.js";
import { MAX_DEPTH } from "../kubeyaml.js";
import { clip } from "../../model/quote.js";

export interface ClusterOptions {
  /** A kubeconfig file; default $KUBECONFIG, then ~/.kube/config, then the in-cluster service account. */
  kubeconfig?: string;
  context?: string;
  /** Namespaces to read namespaced kinds from; empty: all. */
  namespaces: string[];
}

/** An error answer's message as messages quote it: " (its first 200 characters...)", or nothing when it has none (a Status without a string message). */
export function serverSaid(message: unknown): string {
  return typeof message === "string" && message ? ` (${clip(message, 200)})` : "";
}

export class ClusterError extends Error {}

/**
 * The list in `field` of an API server's answer ([] when null): an answer of another shape (a
 * proxy's page, a broken server) is a ClusterError naming the path, not a crash further on, and
 * not an empty list either (an APIResourceList, APIGroupList, APIVersions or a kind's list always
 * has the field: none of them is omitempty), which would read as "no NetworkPolicies".
 */
export function listIn(body: unknown, field: string, where: string): unknown[] {
  if (typeof body !== "object" || body === null || Array.isArray(body) || !(field in body)) throw new ClusterError(`${where}: the API server's answer has no ${JSON.stringify(field)}: it is not a list (${JSON.stringify(JSON.stringify(body ?? null).slice(0, 80))})`);
  const v = (body as Record<string, unknown>)[field];
  if (v === null) return [];
  if (!Array.isArray(v)) throw new ClusterError(`${where}: the API server's answer has a ${JSON.stringify(field)} that is not a list`);
  return v;
}

/** An API request with no byte for this long fails (kubectl's default is to wait for ever). */
const IDLE_TIMEOUT_MS = 30_000;

/** One answer larger than this fails: a list page is at most 500 objects. */
const MAX_ANSWER_BYTES = 512 * 1024 * 1024;

/**
 * One watch event (one object) larger than this ends the watch: etcd stores at most 1.5 MiB a value
 * by default, so a line longer than this is no event (the stream is broken or hostile).
 */
export const MAX_EVENT_BYTES = 64 * 1024 * 1024;

export interface ApiResponse { status: number; body: any }

export type WatchEvent = { type: string; object: any };

export class ApiClient {
  /** Milliseconds without a byte after which a request fails (tests shorten it). */
  idleTimeoutMs = IDLE_TIMEOUT_MS;
  /** Bytes of one watch event after which the watch ends (tests shorten it). */
  maxEventBytes = MAX_EVENT_BYTES;

  private constructor(readonly config: KubeConfig, readonly context: string, readonly server: string) {}

  static async connect(o: ClusterOptions): Promise<ApiClient> {
    const k8s = await import("@kubernetes/client-node");
    const kc = new k8s.KubeConfig();
    const where = loadConfig(kc, o.kubeconfig);
    if (o.context) {
      if (!kc.getContextObject(o.context)) throw new ClusterError(`${where}: no context named ${JSON.stringify(o.context)} (contexts: ${kc.getContexts().map((c) => c.name).join(", ") || "none"})`);
      kc.setCurrentContext(o.context);
    }
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new ClusterError(`${where}: the current context names no cluster`);
    return new ApiClient(kc, kc.getCurrentContext() || "in-cluster", cluster.server.replace(/\/+$/, ""));
  }

  /** GET a path; the parsed JSON body and the status (errors of the transport throw ClusterError). */
  async get(path: string, query: Record<string, string | undefined> = {}): Promise<ApiResponse> {
    const { url, opts } = await this.prepare(path, query);
    return new Promise((resolve, reject) => {
      const send = url.protocol === "http:" ? httpRequest : httpsRequest;
      const req = send(url, opts, (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on("data", (c: Buffer) => {
          bytes += c.length;
          if (bytes > MAX_ANSWER_BYTES) { reject(new ClusterError(`${this.server}${path}: the API server's answer is larger than ${MAX_ANSWER_BYTES / 1024 ** 2} MiB`)); req.destroy(); return; }
          chunks.push(c);
        });
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          try {
            const body = text ? JSON.parse(int64Exact(text)) : undefined;
            if (tooDeep(body)) { reject(new ClusterError(`${this.server}${path}: the API server's answer is nested more than ${MAX_DEPTH} levels deep (Junction refuses such objects, as in files)`)); return; }
            resolve({ status: res.statusCode ?? 0, body });
          }
          catch {
            // An error answer's text is its message (a proxy's 502 page); a 200 that is not JSON
            // (a captive portal, a truncated answer) is no answer at all, never an empty one.
            if (res.statusCode === 200) reject(new ClusterError(`${this.server}${path}: the API server's answer is not JSON (${JSON.stringify(text.slice(0, 80))})`));
            else resolve({ status: res.statusCode ?? 0, body: { message: text } });
          }
        });
        res.on("error", (e) => reject(new ClusterError(`${this.server}: ${e.message}`)));
      });
      req.on("error", (e) => reject(new ClusterError(`cannot reach the API server ${this.server}: ${e.message}`)));
      req.setTimeout(this.idleTimeoutMs, () => { reject(new ClusterError(`${this.server}${path}: no answer from the API server in ${this.idleTimeoutMs / 1000} s`)); req.destroy(); });
      req.end();
    });
  }

  /**
   * Watches a path from a resourceVersion: one JSON event a line, read as list answers are read
   * (int64Exact), each line at most MAX_EVENT_BYTES. `done` is called once: null when the server
   * ends the stream, else the error (a status other than 200 carries its statusCode; a line that is
   * not a JSON event ends the watch, as client-go's StreamWatcher stops on a decoding error, and the
   * caller resumes from the last resourceVersion). Events go to `onEvent` in order; `opened` is called
   * when the server accepts the watch (200).
   */
  async watch(path: string, query: Record<string, string | undefined>, onEvent: (e: WatchEvent) => void, done: (err: unknown) => void, opened: () => void = () => {}): Promise<{ abort(): void }> {
    const { url, opts } = await this.prepare(path, { ...query, watch: "true" });
    let finished = false;
    const finish = (err: unknown) => { if (finished) return; finished = true; req.destroy(); done(err); };
    const fail = (message: string, statusCode?: number) => finish(Object.assign(new ClusterError(`${this.server}${path} (watch): ${message}`), statusCode !== undefined ? { statusCode } : {}));
    const send = url.protocol === "http:" ? httpRequest : httpsRequest;
    const req = send(url, opts, (res) => {
      if (res.statusCode !== 200) {
        // The Status's message says why (e.g. forbidden to watch); at most 64 KiB of it is read.
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on("data", (c: Buffer) => { if (bytes < 65536) { chunks.push(c); bytes += c.length; } });
        const answered = () => {
          let message: unknown;
          try { message = JSON.parse(Buffer.concat(chunks).toString("utf8")).message; } catch { message = undefined; }
          fail(`the API server answered ${res.statusCode}${serverSaid(message)}`, res.statusCode);
        };
        res.on("end", answered);
        res.on("close", answered);
        return;
      }
      opened();
      let pending: Buffer[] = [], pendingBytes = 0;
      res.on("data", (c: Buffer) => {
        let from = 0;
        for (let nl = c.indexOf(10); nl >= 0 && !finished; nl = c.indexOf(10, from)) {
          const line = pendingBytes ? Buffer.concat([...pending, c.subarray(from, nl)]) : c.subarray(from, nl);
          pending = []; pendingBytes = 0; from = nl + 1;
          if (line.length > this.maxEventBytes) return fail(`an event is larger than ${this.maxEventBytes} bytes`);
          const text = line.toString("utf8").trim();
          if (!text) continue;
          let event: unknown;
          try { event = JSON.parse(int64Exact(text)); } catch { return fail(`a line of the stream is not JSON: ${JSON.stringify(text.slice(0, 80))}`); }
          if (tooDeep(event)) return fail(`an event is nested more than ${MAX_DEPTH} levels deep (Junction refuses such objects, as in files)`);
          if (typeof event !== "object" || event === null || Array.isArray(event) || typeof (event as WatchEvent).type !== "string") return fail(`a line of the stream is not a watch event: ${JSON.stringify(text.slice(0, 80))}`);
          try { onEvent({ type: (event as WatchEvent).type, object: (event as WatchEvent).object }); } catch (e) { return finish(e); }
        }
        if (finished) return;
        pendingBytes += c.length - from;
        if (pendingBytes > this.maxEventBytes) return fail(`an event is larger than ${this.maxEventBytes} bytes`);
        if (from < c.length) pending.push(c.subarray(from));
      });
      res.on("end", () => finish(null));
      // (A connection that breaks, as a load balancer or a restart breaks it, is `transient`: the caller retries at once.)
      res.on("error", (e) => finish(Object.assign(new ClusterError(`${this.server}: ${e.message}`), { transient: true })));
      res.on("close", () => finish(null));
    });
    req.on("error", (e) => finish(Object.assign(new ClusterError(`cannot reach the API server ${this.server}: ${e.message}`), { transient: true })));
    // (A dead peer: TCP keep-alive probes end the connection; the API server itself closes watches after minutes.)
    req.on("socket", (sock) => sock.setKeepAlive(true, 30_000));
    req.end();
    return { abort: () => finish(null) };
  }

  /** The URL and request options of an API request, authenticated as the kubeconfig says. */
  private async prepare(path: string, query: Record<string, string | undefined>): Promise<{ url: URL; opts: RequestOptions }> {
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    const opts: RequestOptions = { method: "GET", headers: { Accept: "application/json" } };
    // @kubernetes/client-node refuses a plain http:// server unless insecure-skip-tls-verify is set.
    try { await this.config.applyToHTTPSOptions(opts); }
    catch (e) { throw new ClusterError(`${this.server} (context ${this.context}): ${(e as Error).message}${url.protocol === "http:" ? " (for a plain-HTTP server such as kubectl proxy, set insecure-skip-tls-verify: true on its cluster in the kubeconfig)" : ""}`); }
    return { url, opts };
  }
}

/** Loads the kubeconfig the options name, as kubectl finds it; returns where it came from. */
function loadConfig(kc: KubeConfig, path: string | undefined): string {
  const fromEnv = process.env.KUBECONFIG?.split(":").filter(Boolean) ?? [];
  const home = join(homedir(), ".kube", "config");
  const inCluster = process.env.KUBERNETES_SERVICE_HOST !== undefined && existsSync("/var/run/secrets/kubernetes.io/serviceaccount/token");
  try {
    if (path) { kc.loadFromFile(path); return path; }
    if (fromEnv.length) { kc.loadFromDefault(); return fromEnv.join(":"); }
    if (existsSync(home)) { kc.loadFromFile(home); return home; }
    if (inCluster) { kc.loadFromCluster(); return "in-cluster configuration"; }
  } catch (e) {
    // (@kubernetes/client-node fails with a TypeError on a file that is empty or not a mapping.)
    const why = e instanceof TypeError ? "it is empty or not a kubeconfig: a YAML mapping with clusters, users and contexts" : (e as Error).message.split("\n")[0];
    throw new ClusterError(`${path ?? (fromEnv.join(":") || home)}: cannot be read as a kubeconfig (${why})`);
  }
  throw new ClusterError("no kubeconfig: give --kubeconfig PATH, set $KUBECONFIG, or create ~/.kube/config");
}
