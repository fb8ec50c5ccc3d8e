// The lab's client: real requests to a Gateway's address, sent from the lab's client namespace
// (this runs there, under `ip netns exec`). HTTP/1.1, HTTPS, HTTP/2 over TLS, h2c with prior
// knowledge, gRPC, WebSocket upgrades, TLS and TCP connections, UDP datagrams. Redirects are not
// followed; what came back is returned as it came (status, headers, body), or how the connection
// ended (failed: TLS or connection error; rejected: closed, reset, refused or no answer).

import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect as h2connect, type ClientHttp2Session } from "node:http2";
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { createSocket } from "node:dgram";
import { isIP } from "node:net";
import { speaksHttp2 } from "../model/request.js";

export interface ClientJob {
  id: string;
  address: string;
  port: number;
  scheme: "http" | "https" | "ws" | "wss" | "tls" | "tcp" | "udp";
  protocol?: string;
  host?: string;
  sni?: string;
  path: string;
  method: string;
  headers: [string, string][];
  clientCert?: { cert: string; key: string };
  timeoutMs: number;
}

export interface ClientAnswer {
  id: string;
  status?: number;
  headers?: [string, string][];
  body?: string;
  /** gRPC status (the grpc-status header or trailer), when the answer had one. */
  grpcStatus?: string;
  connection?: "failed" | "rejected";
  detail?: string;
}

const TLS_ERROR = /SSL|TLS|certificate|handshake|alert|EPROTO/i;

function failure(id: string, e: Error & { code?: string }): ClientAnswer {
  const tls = TLS_ERROR.test(`${e.code ?? ""} ${e.message}`);
  return { id, connection: tls ? "failed" : "rejected", detail: e.code ? `${e.code}: ${e.message}` : e.message };
}

function headerObject(job: ClientJob): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of job.headers) {
    const prev = out[k];
    out[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
  }
  return out;
}

const pairs = (raw: readonly string[]): [string, string][] => Array.from({ length: raw.length / 2 }, (_, i) => [raw[2 * i], raw[2 * i + 1]]);
const servername = (job: ClientJob) => { const n = job.sni ?? job.host?.replace(/:\d+$/, ""); return n && !isIP(n) ? n : undefined; };

function http1(job: ClientJob): Promise<ClientAnswer> {
  const tls = job.scheme === "https" || job.scheme === "wss";
  const ws = job.scheme === "ws" || job.scheme === "wss" || job.protocol === "websocket";
  const headers = headerObject(job);
  if (job.host !== undefined) headers.Host = job.host;
  if (ws) Object.assign(headers, { Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==" });
  const options = { host: job.address, port: job.port, path: job.path, method: job.method, headers, setHost: false, agent: false as const, timeout: job.timeoutMs };
  return new Promise((resolve) => {
    const req = tls
      ? httpsRequest({ ...options, servername: servername(job), rejectUnauthorized: false, ...(job.clientCert ?? {}) })
      : httpRequest(options);
    const done = (a: ClientAnswer) => { resolve(a); req.destroy(); };
    req.on("response", (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => done({ id: job.id, status: res.statusCode, headers: pairs(res.rawHeaders), body: Buffer.concat(chunks).toString() }));
      res.on("error", (e) => done(failure(job.id, e)));
    });
    req.on("upgrade", (res: IncomingMessage, socket: Socket) => { socket.destroy(); done({ id: job.id, status: res.statusCode, headers: pairs(res.rawHeaders), body: "" }); });
    req.on("timeout", () => done({ id: job.id, connection: "rejected", detail: `no answer in ${job.timeoutMs} ms` }));
    req.on("error", (e) => done(failure(job.id, e)));
    req.end();
  });
}

function grpcFrame(): Buffer { return Buffer.alloc(5); }

function h2(job: ClientJob): Promise<ClientAnswer> {
  const tls = job.scheme === "https";
  const grpc = job.protocol === "grpc";
  return new Promise((resolve) => {
    let session: ClientHttp2Session | undefined;
    const timer = setTimeout(() => done({ id: job.id, connection: "rejected", detail: `no answer in ${job.timeoutMs} ms` }), job.timeoutMs);
    const done = (a: ClientAnswer) => { clearTimeout(timer); resolve(a); session?.destroy(); };
    session = h2connect(`${tls ? "https" : "http"}://${job.address.includes(":") ? `[${job.address}]` : job.address}:${job.port}`,
      tls ? { servername: servername(job), rejectUnauthorized: false, ...(job.clientCert ?? {}) } : {});
    session.on("error", (e) => done(failure(job.id, e)));
    const headers: Record<string, string | string[]> = { ...headerObject(job), ":method": job.method, ":path": job.path, ":scheme": tls ? "https" : "http", ":authority": job.host ?? job.address };
    if (grpc) Object.assign(headers, { "content-type": "application/grpc", te: "trailers" });
    const stream = session.request(headers, { endStream: !grpc });
    let status: number | undefined, grpcStatus: string | undefined;
    const got: [string, string][] = [];
    const chunks: Buffer[] = [];
    const note = (h: Record<string, unknown>) => {
      for (const [k, v] of Object.entries(h)) { if (k === ":status") status = Number(v); else if (!k.startsWith(":")) got.push(...(Array.isArray(v) ? v : [v]).map((x) => [k, String(x)] as [string, string])); }
      if (h["grpc-status"] !== undefined) grpcStatus = String(h["grpc-status"]);
    };
    stream.on("response", note);
    stream.on("trailers", note);
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => { const body = Buffer.concat(chunks); done({ id: job.id, status, headers: got, grpcStatus, body: (grpc && body.length >= 5 ? body.subarray(5) : body).toString() }); });
    stream.on("error", (e) => done(failure(job.id, e)));
    if (grpc) stream.end(grpcFrame());
  });
}

/** A TCP or TLS connection: one line sent, everything read until the other side closes. */
function raw(job: ClientJob): Promise<ClientAnswer> {
  return new Promise((resolve) => {
    const tls = job.scheme === "tls";
    const chunks: Buffer[] = [];
    const socket: Socket = tls
      ? tlsConnect({ host: job.address, port: job.port, servername: servername(job), rejectUnauthorized: false, ...(job.clientCert ?? {}) })
      : netConnect({ host: job.address, port: job.port });
    const done = (a: ClientAnswer) => { resolve(a); socket.destroy(); };
    socket.setTimeout(job.timeoutMs, () => done({ id: job.id, connection: "rejected", detail: `no answer in ${job.timeoutMs} ms` }));
    socket.on(tls ? "secureConnect" : "connect", () => socket.write("junction-probe\n"));
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("end", () => done(chunks.length ? { id: job.id, body: Buffer.concat(chunks).toString() } : { id: job.id, connection: "rejected", detail: "closed without an answer" }));
    socket.on("error", (e) => done(failure(job.id, e)));
  });
}

function udp(job: ClientJob): Promise<ClientAnswer> {
  return new Promise((resolve) => {
    const s = createSocket(job.address.includes(":") ? "udp6" : "udp4");
    const timer = setTimeout(() => done({ id: job.id, connection: "rejected", detail: `no answer in ${job.timeoutMs} ms` }), job.timeoutMs);
    const done = (a: ClientAnswer) => { clearTimeout(timer); resolve(a); s.close(); };
    s.on("message", (m) => done({ id: job.id, body: m.toString() }));
    s.on("error", (e) => done(failure(job.id, e)));
    s.send("junction-probe", job.port, job.address);
  });
}

export function send(job: ClientJob): Promise<ClientAnswer> {
  if (job.scheme === "udp") return udp(job);
  if (job.scheme === "tcp" || job.scheme === "tls") return raw(job);
  if (speaksHttp2(job.protocol)) return h2(job);
  return http1(job);
}

/** Sends every job, a few at a time; answers in job order. */
export async function sendAll(jobs: readonly ClientJob[], parallel = 8): Promise<ClientAnswer[]> {
  const out: ClientAnswer[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => { while (next < jobs.length) { const i = next++; out[i] = await send(jobs[i]).catch((e: Error) => failure(jobs[i].id, e)); } };
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, worker));
  return out;
}
