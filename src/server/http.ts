// The HTTP surface of `junction serve`: the API (read-only, GET only), the event stream (SSE), the
// OpenAPI document and the web UI's assets. Loopback by default; any other address needs a bearer
// token. On loopback, requests must name a loopback Host (no DNS rebinding from a web page).

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressInfo, Socket } from "node:net";
import type { ServeState, UpdateEvent } from "./state.js";
import { openApiDocument } from "./openapi.js";
import { VERSION } from "../cli/version.js";
import { quote } from "../model/quote.js";

export interface ServerOptions {
  state: ServeState;
  address: string;
  port: number;
  /** Required unless the address is loopback. */
  token?: string;
  /** Where the built UI is (default: dist/ui beside this module's dist/src). */
  assets?: string;
  /** Event streams open at once (default 64); more are answered 503. */
  maxStreams?: number;
  /** Bytes of events a stream's client may leave unread (default 4 MiB) before the stream is closed. */
  maxUnread?: number;
  /** What is not followed now (a cluster's kinds whose watch is failing, and why): /healthz says "degraded". */
  stale?: () => string[];
  /** Connections open at once (default 512): idle ones are closed to make room, else a new one is answered 503. */
  maxConnections?: number;
  /** A request's headers must arrive within this (default 10 s), the whole request within `requestTimeoutMs` (30 s). */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this (default 65 s). */
  keepAliveTimeoutMs?: number;
}

export const MAX_STREAMS = 64;
export const MAX_UNREAD = 4 * 1024 * 1024;
export const MAX_CONNECTIONS = 512;

export interface RunningServer { url: string; close(): Promise<void> }

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/;
export const isLoopback = (address: string) => LOOPBACK.test(address);

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const assets = loadAssets(o.assets ?? defaultAssets());
  const streams = new Set<ServerResponse>();
  const refused = new WeakSet<Socket>();
  const server = createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
    if (refused.has(req.socket)) { req.socket.destroy(); return; } // answered 503 already (below)
    try { handle(req, res, o, assets, streams); } catch (e) { send(res, 500, JSON.stringify({ error: `internal error: ${(e as Error).message}` })); }
  });
  // Idle keep-alive connections outlive the clients' own timeouts (fetch keeps them 4 s), so that a
  // client never sends a request on a connection the server is closing.
  server.keepAliveTimeout = o.keepAliveTimeoutMs ?? 65_000;
  // Slow clients (slowloris): headers within 10 s, a request within 30 s (Node: 60 s and 300 s),
  // looked at every second (Node: every 30 s, so a timeout could take 30 s more). Answers and event
  // streams are not bounded by these (a stream lives as long as its client reads it).
  server.headersTimeout = o.headersTimeoutMs ?? 10_000;
  server.requestTimeout = o.requestTimeoutMs ?? 30_000;
  // At most maxConnections at once: a new one beyond it first closes the idle ones (keep-alive
  // connections between requests, connections that sent nothing yet), else it is answered 503 and
  // closed, so that many clients (or a slowloris) cannot use up the process's file descriptors.
  const maxConnections = o.maxConnections ?? MAX_CONNECTIONS;
  const open = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    if (open.size >= maxConnections) {
      server.closeIdleConnections();
      for (const s of open) if (s.destroyed) open.delete(s);
    }
    if (open.size >= maxConnections) {
      const body = JSON.stringify({ error: `${maxConnections} connections are open, the most served at once: retry later` });
      refused.add(socket);
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\nRetry-After: 10\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      socket.destroySoon();
      return;
    }
    open.add(socket);
    socket.on("close", () => open.delete(socket));
  });
  await new Promise<void>((resolve, reject) => { server.once("error", reject); server.listen(o.port, o.address, () => resolve()); });
  const port = (server.address() as AddressInfo).port;
  const host = o.address.includes(":") ? `[${o.address}]` : o.address;
  // A client that does not read its stream would make the server hold every event for it: past
  // maxUnread bytes unsent, its stream is closed (an EventSource reconnects and gets the version).
  const maxUnread = o.maxUnread ?? MAX_UNREAD;
  const push = (text: string) => {
    for (const s of streams) {
      if (s.writableLength > maxUnread) { streams.delete(s); s.destroy(); } else s.write(text);
    }
  };
  const unsubscribe = o.state.subscribe((e) => push(sseText("update", e)));
  const heartbeat = setInterval(() => push(": keep-alive\n\n"), 15000);
  return {
    url: `http://${host}:${port}/`,
    close: () => new Promise((resolve) => {
      unsubscribe(); clearInterval(heartbeat);
      for (const s of streams) s.end();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function handle(req: IncomingMessage, res: ServerResponse, o: ServerOptions, assets: Map<string, Buffer>, streams: Set<ServerResponse>): void {
  let url: URL;
  // A request target that is no URL (`GET http://[::1 HTTP/1.1`) is the client's error, not ours.
  try { url = new URL(req.url ?? "/", "http://localhost"); } catch { send(res, 400, JSON.stringify({ error: "the request target is not a valid URL" })); return; }
  // Nothing served reads a request body: one that comes anyway ends the connection after the answer,
  // instead of being read and dropped (an endless chunked body kept the connection for 5 minutes).
  if (req.headers["transfer-encoding"] !== undefined || (req.headers["content-length"] ?? "0") !== "0") res.setHeader("Connection", "close");
  if (req.method !== "GET" && req.method !== "HEAD") { res.setHeader("Allow", "GET, HEAD"); send(res, 405, JSON.stringify({ error: "read-only: only GET is served" })); return; }
  if (isLoopback(o.address) && !loopbackHost(req.headers.host)) { send(res, 403, JSON.stringify({ error: "the Host header must name a loopback address" })); return; }
  if (url.pathname === "/healthz") {
    const stale = o.stale?.() ?? [];
    send(res, 200, JSON.stringify({ status: stale.length ? "degraded" : "ok", version: o.state.version, junction: VERSION, startedAt: o.state.startedAt.toISOString(), ...(o.state.loadedAt ? { loadedAt: o.state.loadedAt.toISOString() } : {}), ...(o.state.invalid ? { invalid: o.state.invalid } : {}), ...(stale.length ? { stale } : {}) }));
    return;
  }
  const api = url.pathname.startsWith("/api/");
  if (api && o.token !== undefined && !authorized(req, o.token)) { res.setHeader("WWW-Authenticate", "Bearer"); send(res, 401, JSON.stringify({ error: "a bearer token is required" })); return; }
  if (url.pathname === "/api/v1/openapi.json") { send(res, 200, JSON.stringify(openApiDocument(), null, 2)); return; }
  if (url.pathname === "/api/v1/events") {
    const max = o.maxStreams ?? MAX_STREAMS;
    if (streams.size >= max) { send(res, 503, JSON.stringify({ error: `${max} event streams are open, the most served at once: close one, or retry later` }), { "Retry-After": "10" }); return; }
    openStream(res, o.state, streams); return;
  }
  if (url.pathname === "/api/v1/source") { source(res, o.state, url.searchParams.get("name") ?? ""); return; }
  if (api) { const a = o.state.answer(url.pathname, url.searchParams); send(res, a.status, a.body, { "X-Junction-Version": String(o.state.version) }); return; }
  const name = url.pathname === "/" ? "/index.html" : url.pathname;
  const asset = assets.get(name);
  if (!asset) { send(res, 404, JSON.stringify({ error: `no such path ${quote(url.pathname)}` })); return; }
  send(res, 200, asset, { "Content-Type": CONTENT_TYPES[extname(name)] ?? "application/octet-stream" });
}

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", ...headers });
  res.end(body);
}

function loopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d+$/, "");
  return isLoopback(name);
}

function authorized(req: IncomingMessage, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "");
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

function openStream(res: ServerResponse, state: ServeState, streams: Set<ServerResponse>): void {
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-store", Connection: "keep-alive" });
  streams.add(res);
  res.on("close", () => streams.delete(res));
  res.write(sseText("hello", { version: state.version, ...(state.invalid ? { invalid: state.invalid } : {}) }));
}

function sseText(event: string, data: UpdateEvent | object): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The text of one input (a file given with -f, or an object read from the cluster rendered as YAML). */
function source(res: ServerResponse, state: ServeState, name: string): void {
  const known = state.analysis.loaded.inputs.some((f) => f.name === name) || name.startsWith("cluster:");
  const text = known ? state.analysis.loaded.locator.text(name) : undefined;
  if (text === undefined) { send(res, 404, JSON.stringify({ error: `no input named ${quote(name)}` })); return; }
  send(res, 200, JSON.stringify({ name, text }));
}

const CONTENT_TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png" };

function defaultAssets(): string {
  return join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "ui");
}

/** The built UI's files, read once (a fixed set: no path from a request reaches the file system). */
function loadAssets(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath ?? e.path, e.name);
    out.set("/" + full.slice(dir.length + 1).split("\\").join("/"), readFileSync(full));
  }
  return out;
}
