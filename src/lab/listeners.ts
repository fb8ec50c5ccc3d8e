// The helper process (helper.ts) in its three roles: sysctls inside namespaces, the listeners of
// every host (one detached process for the whole lab), and probes.

import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import type { Address } from "../model/ip.js";
import type { NamedPort } from "../model/ports.js";
import { LabError, must, run } from "./exec.js";
import { setnsSyscall, writeHelper } from "./helper.js";
import { netnsPath } from "./netns.js";
import type { LabDir } from "./state.js";

export interface ListenerHost {
  netns: string;
  addresses: readonly Address[];
  listen: readonly NamedPort[];
}

function setns(): string {
  const n = setnsSyscall();
  if (n === undefined) throw new LabError(`the lab does not know the setns syscall number of this architecture (${process.arch})`);
  return String(n);
}

export function helperPath(dir: LabDir): string {
  const path = dir.path("helper.pl");
  return existsSync(path) ? path : writeHelper(dir.dir);
}

/** Writes sysctls ("NSPATH /proc/sys/... VALUE" lines) inside namespaces. */
export function writeSysctls(dir: LabDir, lines: readonly string[]): void {
  if (lines.length) must("perl", [helperPath(dir), setns(), "sysctl"], lines.join("\n") + "\n");
}

function listenerConfig(hosts: readonly ListenerHost[]): string {
  const lines: string[] = [];
  for (const h of hosts) {
    lines.push(`ns ${netnsPath(h.netns)}`);
    for (const f of [...new Set(h.addresses.map((a) => a.family))]) lines.push(`family ${f}`);
    for (const p of h.listen) lines.push(`listen ${p.protocol.toLowerCase()} ${p.port}`);
  }
  return lines.join("\n") + "\n";
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Starts the listeners; returns the helper's pid once it reports ready (its log line). */
export function startListeners(dir: LabDir, hosts: readonly ListenerHost[], onPid: (pid: number) => void): { pid: number; ready: string } {
  const config = dir.path("listeners.conf");
  const log = dir.path("listeners.log");
  writeFileSync(config, listenerConfig(hosts));
  const fd = openSync(log, "w");
  // Raise the open-files limit: a few sockets per namespace, a few hundred namespaces.
  const child = spawn("sh", ["-c", 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec perl "$0" "$@"', helperPath(dir), setns(), "serve", config],
    { detached: true, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new LabError("cannot start the lab's listener helper (perl)");
  onPid(child.pid);
  for (let waited = 0; waited < 20000; waited += 50) {
    const text = readFileSync(log, "utf8");
    const ready = /^ready .*$/m.exec(text);
    if (ready) return { pid: child.pid, ready: ready[0] };
    if (!running(child.pid)) throw new LabError(`the lab's listener helper stopped:\n  ${text.trim().split("\n").slice(0, 8).join("\n  ")}`);
    sleep(50);
  }
  throw new LabError(`the lab's listener helper did not get ready in 20 s (see ${log})`);
}

/** Is the process there and not a zombie? (Its command line is still Node's until it has exec'd.) */
function running(pid: number): boolean {
  try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8")); } catch { return false; }
}

/** Is `pid` this lab's helper (and not a process that reused its pid)? */
export function helperAlive(pid: number | undefined, dir: LabDir): boolean {
  if (!pid) return false;
  try { return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir.path("helper.pl")); } catch { return false; }
}

export function stopListeners(pid: number | undefined, dir: LabDir): boolean {
  if (!helperAlive(pid, dir)) return false;
  try { process.kill(pid!, "SIGTERM"); return true; } catch { return false; }
}

export interface ProbeJob {
  id: number;
  netns: string;
  protocol: string;
  address: string;
  port: number;
}

/** connected; refused (a host answered, nothing listens); blocked (the source's own firewall dropped it); timeout; error. */
export type ProbeOutcome = { result: "connected" | "refused" | "blocked" | "timeout" | "error"; detail?: string };

/** Real connections, all from one helper run; outcomes by job id. */
export function runProbes(dir: LabDir, jobs: readonly ProbeJob[], timeoutSeconds: number): Map<number, ProbeOutcome> {
  const input = jobs.map((j) => `${j.id} ${netnsPath(j.netns)} ${j.protocol.toLowerCase()} ${j.address} ${j.port}`).join("\n") + "\n";
  const r = run("sh", ["-c", 'ulimit -n 65536 2>/dev/null; exec perl "$0" "$@"', helperPath(dir), setns(), "probe", String(timeoutSeconds)], input);
  if (r.code !== 0) throw new LabError(`the lab's probe helper failed: ${r.stderr.trim().split("\n").slice(0, 5).join("\n  ")}`);
  const out = new Map<number, ProbeOutcome>();
  for (const line of r.stdout.split("\n")) {
    const m = /^(\d+) (connected|refused|blocked|timeout|error)(?: (.*))?$/.exec(line);
    if (m) out.set(Number(m[1]), { result: m[2] as ProbeOutcome["result"], detail: m[3] });
  }
  return out;
}
