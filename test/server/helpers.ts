// Helpers for the server tests: `junction serve` in a child process, and an event-stream reader.

import { spawn, type ChildProcess } from "node:child_process";
import { get, type IncomingMessage } from "node:http";
import { fileURLToPath } from "node:url";
import { FakeApiServer } from "../fixtures/fake-apiserver.js";
import { tempFiles } from "../helpers.js";
import { splitObjects } from "../../src/sources/documents.js";
import { readInputs } from "../../src/sources/read.js";
import { Diagnostics } from "../../src/model/source.js";

export const BIN = fileURLToPath(new URL("../../../bin/junction.js", import.meta.url));

export interface Served { url: string; child: ChildProcess; stderr: () => string; stop(): Promise<void> }

/** Starts `junction serve ARGS --port 0` and waits for the line naming its URL. */
export function serve(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Served> {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"], env });
  let out = "", err = "";
  child.stderr!.on("data", (d) => { err += d; });
  const stop = () => new Promise<void>((resolve) => { if (child.exitCode !== null) resolve(); else { child.once("exit", () => resolve()); child.kill("SIGTERM"); } });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`serve did not start: ${err}`)); }, 60000);
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /serving (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve({ url: m[1], child, stderr: () => err, stop }); }
    });
    child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`serve exited with ${code}: ${err}`)); });
  });
}

export async function getJson(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json() };
}

export interface EventStream { events: { event: string; data: any }[]; next(event: string, timeoutMs?: number): Promise<any>; close(): void }

/** Reads an SSE stream; next() resolves with the data of the next event of that name. */
export function events(url: string): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res: IncomingMessage) => {
      const list: { event: string; data: any }[] = [];
      const waiting: { event: string; resolve: (d: any) => void; from: number }[] = [];
      let buf = "";
      const deliver = () => {
        for (const w of [...waiting]) {
          const i = list.findIndex((e, k) => k >= w.from && e.event === w.event);
          if (i >= 0) { waiting.splice(waiting.indexOf(w), 1); w.resolve(list[i].data); }
        }
      };
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buf += chunk;
        let k;
        while ((k = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, k); buf = buf.slice(k + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1], data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) list.push({ event, data: JSON.parse(data) });
        }
        deliver();
      });
      let consumed = 0;
      resolve({
        events: list,
        next(event, timeoutMs = 20000) {
          return new Promise((res2, rej2) => {
            const t = setTimeout(() => rej2(new Error(`no ${event} event within ${timeoutMs} ms`)), timeoutMs);
            waiting.push({ event, from: consumed, resolve: (d) => { clearTimeout(t); consumed = list.indexOf(list.find((e) => e.data === d)!) + 1; res2(d); } });
            deliver();
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on("error", reject);
  });
}

/** The objects of examples/shop, as a cluster holding them would serve them. */
export function shopObjects(): Record<string, any>[] {
  const diags = new Diagnostics();
  return readInputs(["examples/shop"], diags).flatMap((f) => splitObjects(f, diags)).map((r) => structuredClone(r.obj) as Record<string, any>);
}

/** A fake API server holding examples/shop, and a kubeconfig for it. */
export async function cluster(): Promise<{ api: FakeApiServer; kubeconfig: string; cleanup: () => Promise<void> }> {
  const api = await new FakeApiServer().start();
  api.seed(shopObjects());
  const t = tempFiles({});
  const kubeconfig = api.writeKubeconfig(`${t.dir}/kubeconfig`);
  return { api, kubeconfig, cleanup: async () => { await api.stop(); t.cleanup(); } };
}

/** Resolves once `check()` holds (polled every 20 ms); rejects after `ms`, naming `what`. */
export async function waitFor(check: () => boolean, what = "the condition", ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) { if (Date.now() > end) throw new Error(`timed out waiting for ${what}`); await new Promise((r) => setTimeout(r, 20)); }
}
