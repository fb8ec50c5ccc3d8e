// The cluster connection: a kubeconfig (or the in-cluster service account) read by
// @kubernetes/client-node, which also authenticates every request (certificates, tokens, exec
// plugins). Lists are raw JSON requests, so that objects reach the front ends exactly as the API
// server wrote them (the typed client would drop fields it does not know); watches use the
// client's Watch.

import { existsSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { homedir } from "node:os";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { int64Exact } from "../strictjson.js";

export interface ClusterOptions {
  /** A kubeconfig file; default $KUBECONFIG, then ~/.kube/config, then the in-cluster service account. */
  kubeconfig?: string;
  context?: string;
  /** Namespaces to read namespaced kinds from; empty: all. */
  namespaces: string[];
}

export class ClusterError extends Error {}

/**
 * The list in `field` of an API server's answer ([] when absent): an answer of another shape (a
 * proxy's page, a broken server) is a ClusterError naming the path, not a crash further on.
 */
export function listIn(body: unknown, field: string, where: string): unknown[] {
  const v = typeof body === "object" && body !== null ? (body as Record<string, unknown>)[field] : undefined;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ClusterError(`${where}: the API server's answer has a ${JSON.stringify(field)} that is not a list`);
  return v;
}

/** An API request with no byte for this long fails (kubectl's default is to wait for ever). */
const IDLE_TIMEOUT_MS = 30_000;

/** One answer larger than this fails: a list page is at most 500 objects. */
const MAX_ANSWER_BYTES = 512 * 1024 * 1024;

export interface ApiResponse { status: number; body: any }

export type WatchEvent = { type: string; object: any };

export class ApiClient {
  /** Milliseconds without a byte after which a request fails (tests shorten it). */
  idleTimeoutMs = IDLE_TIMEOUT_MS;

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
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    const opts: RequestOptions = { method: "GET", headers: { Accept: "application/json" } };
    // @kubernetes/client-node refuses a plain http:// server unless insecure-skip-tls-verify is set.
    try { await this.config.applyToHTTPSOptions(opts); }
    catch (e) { throw new ClusterError(`${this.server} (context ${this.context}): ${(e as Error).message}${url.protocol === "http:" ? " (for a plain-HTTP server such as kubectl proxy, set insecure-skip-tls-verify: true on its cluster in the kubeconfig)" : ""}`); }
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
          try { resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(int64Exact(text)) : undefined }); }
          catch { resolve({ status: res.statusCode ?? 0, body: { message: text.slice(0, 200) } }); }
        });
        res.on("error", (e) => reject(new ClusterError(`${this.server}: ${e.message}`)));
      });
      req.on("error", (e) => reject(new ClusterError(`cannot reach the API server ${this.server}: ${e.message}`)));
      req.setTimeout(this.idleTimeoutMs, () => { reject(new ClusterError(`${this.server}${path}: no answer from the API server in ${this.idleTimeoutMs / 1000} s`)); req.destroy(); });
      req.end();
    });
  }

  /** Watches a path from a resourceVersion; `done` is called once when the stream ends (null) or fails. */
  async watch(path: string, query: Record<string, string | undefined>, onEvent: (e: WatchEvent) => void, done: (err: unknown) => void): Promise<{ abort(): void }> {
    const k8s = await import("@kubernetes/client-node");
    const controller = await new k8s.Watch(this.config).watch(path, query, (type, object) => onEvent({ type, object }), done);
    return { abort: () => controller.abort() };
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
    throw new ClusterError(`${path ?? (fromEnv.join(":") || home)}: cannot be read as a kubeconfig (${(e as Error).message.split("\n")[0]})`);
  }
  throw new ClusterError("no kubeconfig: give --kubeconfig PATH, set $KUBECONFIG, or create ~/.kube/config");
}
