// The lab's echo backends, answering like the Gateway API conformance echo server: which pod,
// namespace and Service served, and the method, path, host, headers and TLS server name they saw.
// One process serves every backend of the lab on listening sockets made inside the backends'
// network namespaces (the helper passes them in). A TCP connection is told apart by its first
// bytes: TLS (then HTTP/2 by ALPN, HTTP/1.1 or raw bytes inside), HTTP/2 prior knowledge (h2c,
// gRPC), HTTP/1.1 (WebSocket upgrades included) or raw bytes (a TCP echo); UDP datagrams are
// answered with the same identity. Query parameters of the conformance echo server shape the
// answer: delay, responseCode and succeedAfter (counted per probe id).

import { appendFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createH2Server, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import { createServer as createNetServer, type Socket } from "node:net";
import { createSocket } from "node:dgram";
import { createSecureContext, TLSSocket } from "node:tls";

export interface EchoBackend {
  /** Namespace and pod name reported; `service` is "namespace/name" of the Service it stands for. */
  namespace: string;
  pod: string;
  service: string;
  /** PEM certificate and key served on TLS connections (the lab's own when absent). */
  tls?: { cert: string; key: string };
}

/** A listening socket, in the order the helper made them (its fd comes with JX_FDS). */
export interface EchoSocket { kind: "tcp" | "udp"; family: 4 | 6; backend: number }

export interface EchoConfig {
  backends: EchoBackend[];
  sockets: EchoSocket[];
  /** Lines "PROBE-ID NAMESPACE/SERVICE" are appended here for requests carrying a probe id. */
  log: string;
}

/** The request header carrying a lab probe's id (for mirrors and succeedAfter). */
export const PROBE_HEADER = "x-junction-probe";
/** Request header asking the backend to set a response header: "name: value" (repeatable). */
export const SET_HEADER = "x-echo-set-header";

/** A self-signed certificate for the lab's TLS backends (lab use only; *.example.com, localhost). */
export const LAB_TLS = {
  cert: "-----BEGIN CERTIFICATE-----\nMIIB8DCCAZWgAwIBAgIUF+MtPK6DRnsA3dTRF3y+dWEQNSMwCgYIKoZIzj0EAwIw\nMzEVMBMGA1UECgwMSnVuY3Rpb24gbGFiMRowGAYDVQQDDBFqdW5jdGlvbi1sYWIt\nZWNobzAeFw0yNjEyMDUwNjQzMDhaFw00NjExMzAwNjQzMDhaMDMxFTATBgNVBAoM\nDEp1bmN0aW9uIGxhYjEaMBgGA1UEAwwRanVuY3Rpb24tbGFiLWVjaG8wWTATBgcq\nhkjOPQIBBggqhkjOPQMBBwNCAAT8EuwxQYMaNAzkt35p4ZobaTo1z2NjorFZlpO9\n+BsZ4Ywxc6CJ4U+pza2FfoM/+DjvjdggY+oP9kYow0CeqE2Ho4GGMIGDMB0GA1Ud\nDgQWBBR461h/i0NJlIdZeC4adV5A0t4BSjAfBgNVHSMEGDAWgBR461h/i0NJlIdZ\neC4adV5A0t4BSjAPBgNVHRMBAf8EBTADAQH/MDAGA1UdEQQpMCeCDSouZXhhbXBs\nZS5jb22CC2V4YW1wbGUuY29tgglsb2NhbGhvc3QwCgYIKoZIzj0EAwIDSQAwRgIh\nAKPM6dHwJ92bJXwxYC933n8xThv2LFOe7GGh2t/5Y8FAAiEAqMfYBWDoHci3w7t9\npoPPsnUEuhQGcxk7ZtboV8GN3T0=\n-----END CERTIFICATE-----\n",
  key: "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgn+KfbcXtKrDiprxD\n4iUNCBbLeuHNFAVXFIusd5AKBhehRANCAAT8EuwxQYMaNAzkt35p4ZobaTo1z2Nj\norFZlpO9+BsZ4Ywxc6CJ4U+pza2FfoM/+DjvjdggY+oP9kYow0CeqE2H\n-----END PRIVATE KEY-----\n",
};

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;
interface TlsSeen { serverName?: string; negotiatedProtocol?: string }

const attempts = new Map<string, number>();

/** The conformance echo server's answer to a request. */
function identity(b: EchoBackend, req: Request, tls?: TlsSeen): Record<string, unknown> {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    if (!name.startsWith(":")) (headers[name] ??= []).push(req.rawHeaders[i + 1]);
  }
  const host = (req.headers[":authority"] as string | undefined) ?? req.headers.host ?? "";
  return { path: req.url, host, method: req.method, proto: `HTTP/${req.httpVersion}`, headers, namespace: b.namespace, pod: b.pod, service: b.service, ...(tls ? { tls } : {}) };
}

/** Status from responseCode/succeedAfter (the first N attempts of a probe fail), and the delay. */
function behaviour(req: Request): { status: number; delayMs: number } {
  const q = new URLSearchParams((req.url ?? "").split("?")[1] ?? "");
  const ms = (v: string | null) => { const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(v ?? ""); return m ? Number(m[1]) * (m[2] === "s" ? 1000 : 1) : 0; };
  const code = Number(q.get("responseCode"));
  const probe = String(req.headers[PROBE_HEADER] ?? "");
  const n = (attempts.get(probe) ?? 0) + 1;
  if (probe) attempts.set(probe, n);
  const failing = q.has("responseCode") && (!q.has("succeedAfter") || n <= Number(q.get("succeedAfter")));
  return { status: failing && code >= 100 && code <= 599 ? code : 200, delayMs: failing && q.has("delayRetry") ? ms(q.get("delayRetry")) : ms(q.get("delay")) };
}

function setHeaders(req: Request): [string, string][] {
  const raw = req.headers[SET_HEADER];
  return (Array.isArray(raw) ? raw : raw ? [raw] : []).flatMap((v) => { const i = v.indexOf(":"); return i > 0 ? [[v.slice(0, i).trim(), v.slice(i + 1).trim()] as [string, string]] : []; });
}

function grpcFrame(body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

function answer(cfg: EchoConfig, b: EchoBackend, req: Request, res: Response, tls?: TlsSeen): void {
  const probe = req.headers[PROBE_HEADER];
  if (probe) appendFileSync(cfg.log, `${probe} ${b.service}\n`);
  const { status, delayMs } = behaviour(req);
  const body = Buffer.from(JSON.stringify(identity(b, req, tls)));
  const grpc = String(req.headers["content-type"] ?? "").startsWith("application/grpc");
  req.resume();
  setTimeout(() => {
    for (const [k, v] of setHeaders(req)) res.setHeader(k, v);
    if (grpc) {
      res.writeHead(200, { "content-type": "application/grpc" });
      (res as Http2ServerResponse).addTrailers?.({ "grpc-status": status === 200 ? "0" : "2", "grpc-message": "" });
      res.end(grpcFrame(body));
      return;
    }
    res.writeHead(status, { "content-type": "application/json" });
    res.end(body);
  }, delayMs);
}

/** The raw-bytes answer of a TCP (or TLS) connection: the identity, one JSON line. */
function rawEcho(b: EchoBackend, socket: Socket, tls?: TlsSeen): void {
  socket.once("data", () => {
    socket.end(`${JSON.stringify({ namespace: b.namespace, pod: b.pod, service: b.service, ...(tls ? { tls } : {}) })}\n`);
  });
  socket.on("error", () => socket.destroy());
}

/** Servers of one backend, fed the connections the sniffer sorts. */
function backendServers(cfg: EchoConfig, b: EchoBackend) {
  const h1 = createHttpServer((req, res) => answer(cfg, b, req, res, tlsOf(req.socket)));
  h1.on("upgrade", (req: IncomingMessage, socket: Socket) => {
    socket.end("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    if (req.headers[PROBE_HEADER]) appendFileSync(cfg.log, `${req.headers[PROBE_HEADER]} ${b.service}\n`);
  });
  const h2 = createH2Server((req, res) => answer(cfg, b, req, res, tlsOf(req.socket as Socket)));
  h2.on("sessionError", () => undefined);
  const context = createSecureContext(b.tls ?? LAB_TLS);
  return { h1, h2, context };
}

const tlsSeen = new WeakMap<Socket, TlsSeen>();
const tlsOf = (s: Socket): TlsSeen | undefined => tlsSeen.get(s);

/** Sorts a connection by its first bytes and hands it to the right server. */
function sniff(servers: ReturnType<typeof backendServers>, b: EchoBackend, socket: Socket, tls?: TlsSeen): void {
  socket.once("data", (first: Buffer) => {
    socket.pause();
    socket.unshift(first);
    if (!tls && first[0] === 0x16) return startTls(servers, b, socket);
    if (tls) tlsSeen.set(socket, tls);
    if (first.subarray(0, 3).toString() === "PRI" || tls?.negotiatedProtocol === "h2") servers.h2.emit("connection", socket);
    else if (/^[A-Z]+ /.test(first.subarray(0, 8).toString("latin1"))) servers.h1.emit("connection", socket);
    else { rawEcho(b, socket, tls); socket.resume(); return; }
    socket.resume();
  });
  socket.on("error", () => socket.destroy());
}

function startTls(servers: ReturnType<typeof backendServers>, b: EchoBackend, raw: Socket): void {
  const socket = new TLSSocket(raw, { isServer: true, secureContext: servers.context, ALPNProtocols: ["h2", "http/1.1"] });
  socket.on("secure", () => {
    const seen: TlsSeen = { serverName: (socket as unknown as { servername?: string }).servername || undefined, negotiatedProtocol: socket.alpnProtocol || undefined };
    if (seen.negotiatedProtocol === "h2") { tlsSeen.set(socket, seen); servers.h2.emit("connection", socket); }
    else sniff(servers, b, socket, seen);
  });
  socket.on("error", () => socket.destroy());
  raw.resume();
}

function serveUdp(b: EchoBackend, fd: number, family: 4 | 6): void {
  const s = createSocket(family === 6 ? "udp6" : "udp4");
  s.on("message", (_msg, from) => s.send(`${JSON.stringify({ namespace: b.namespace, pod: b.pod, service: b.service })}\n`, from.port, from.address));
  s.on("error", () => undefined);
  s.bind({ fd });
}

/** Serves every socket of the lab's backends: bound listening sockets, fds[i] for cfg.sockets[i]. */
export function serveEcho(cfg: EchoConfig, fds: readonly number[]): void {
  const servers = cfg.backends.map((b) => backendServers(cfg, b));
  cfg.sockets.forEach((s, i) => {
    const b = cfg.backends[s.backend];
    if (s.kind === "udp") { serveUdp(b, fds[i], s.family); return; }
    const server = createNetServer((socket) => sniff(servers[s.backend], b, socket));
    server.on("error", () => undefined);
    server.listen({ fd: fds[i] });
  });
}
