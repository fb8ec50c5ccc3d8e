// The gateway agent: a host's nginx kept configured from Gateway API objects (for VMs and bare
// metal, whose backends may be Workloads). Each configuration is compiled into a new folder of its
// own, checked with `nginx -t`, then made current by renaming a symlink over DIR/current (atomic)
// and nginx reloaded (or started). The pid file and error log live in DIR, outside the folders
// that are swapped. A configuration that does not compile or that nginx refuses is never made
// current: the last good one keeps serving.

import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { basename, join } from "node:path";
import { resolveHost } from "../engine/endpoints.js";
import { GatewayEngine } from "../engine/gateway/engine.js";
import { formatDiagnostic } from "../model/source.js";
import { loadPaths } from "../sources/load.js";
import type { ReadOptions } from "../sources/read.js";
import { compileNginx, CONFIG_FILE, DEFAULT_NGINX_OPTIONS, formatNginxProblem } from "../targets/nginx/index.js";
import { unifiedDiff } from "../targets/linediff.js";
import { run } from "./exec.js";
import { NGINX, nginxPid, nginxTest, writeFolder } from "./nginx.js";

export interface GatewayAgentConfig {
  paths: readonly string[];
  /** How the paths are read (-R, --max-input-size). */
  read?: ReadOptions;
  /** The host (Workload NS/NAME or node NAME) this nginx runs on. */
  host: string;
  gateway: string;
  /** The agent's folder: configuration versions, DIR/current, nginx.pid, error.log. */
  dir: string;
  listen: readonly string[];
  modulesDir: string;
  lenient: boolean;
}

export type GatewayCompiled = { ok: true; files: Map<string, string>; warnings: string[] } | { ok: false; errors: string[] };

export const currentDir = (dir: string) => join(dir, "current");

/** The configuration of the Gateway for this host, or why there is none. */
export function compileGateway(cfg: GatewayAgentConfig): GatewayCompiled {
  const loaded = loadPaths(cfg.paths, undefined, cfg.read);
  const items = loaded.diagnostics.items;
  const errors = items.filter((d) => d.severity === "error" && !(cfg.lenient && !d.code.startsWith("input-")));
  if (errors.length) return { ok: false, errors: errors.map(formatDiagnostic) };
  const engine = new GatewayEngine(loaded.inventory);
  const host = resolveHost(engine.index, cfg.host);
  if (!host.ok) return { ok: false, errors: [`--host: ${host.error}`] };
  const r = compileNginx(engine, cfg.gateway, { ...DEFAULT_NGINX_OPTIONS, modulesDir: cfg.modulesDir, listen: cfg.listen, runDir: cfg.dir });
  if (typeof r === "string") return { ok: false, errors: [`--gateway: ${r}`] };
  if (r.problems.length) return { ok: false, errors: r.problems.map((p) => formatNginxProblem(p, loaded.locator.lineOf.bind(loaded.locator))) };
  const warnings = [...items.filter((d) => d.severity === "warning" || (d.severity === "error" && cfg.lenient)).map(formatDiagnostic), ...r.warnings];
  return { ok: true, files: r.files, warnings };
}

/** The files of the current configuration (empty when there is none). */
function currentFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (base: string, rel: string) => {
    for (const e of readdirSync(join(base, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) { if (!name.startsWith("tmp-")) walk(base, name); }
      else if (e.isFile()) out.set(name, readFileSync(join(base, name), "utf8"));
    }
  };
  if (existsSync(currentDir(dir))) walk(currentDir(dir), "");
  return out;
}

/** What making `files` current would change: a diff per file (certificates named, never shown); "" when nothing. */
export function gatewayDiff(dir: string, files: ReadonlyMap<string, string>): string {
  const now = currentFiles(dir);
  const names = [...new Set([...files.keys(), ...now.keys()])].filter((n) => !n.endsWith(".log") && !n.endsWith(".pid")).sort();
  return names.map((n) => {
    const before = now.get(n), after = files.get(n);
    if (before === after) return "";
    if (n.startsWith("certs/")) return `certificate ${n} ${before === undefined ? "added" : after === undefined ? "removed" : "changed"}\n`;
    return unifiedDiff(before ?? "", after ?? "", [`${n} (current)`, `${n} (compiled)`]);
  }).join("");
}

/** Writes the files into a new version folder and checks it with nginx -t; the folder, or what nginx said. */
export function stageVersion(dir: string, files: ReadonlyMap<string, string>): { version: string } | { error: string } {
  mkdirSync(dir, { recursive: true });
  const version = join(dir, `v${Date.now()}-${process.pid}`);
  writeFolder(version, files);
  const bad = nginxTest(version);
  if (bad) { rmSync(version, { recursive: true, force: true }); return { error: `nginx -t refused the configuration:\n  ${bad.split("\n").join("\n  ")}` }; }
  return { version };
}

/** Makes `version` current (a symlink renamed over DIR/current), then reloads nginx or starts it. */
export function activate(dir: string, version: string): "reloaded" | "started" {
  const link = join(dir, "current.next");
  rmSync(link, { force: true });
  symlinkSync(basename(version), link);
  renameSync(link, currentDir(dir));
  prune(dir, version);
  const pid = nginxPid(dir);
  if (pid !== undefined) { process.kill(pid, "SIGHUP"); return "reloaded"; }
  removeStaleSockets(dir);
  const cur = currentDir(dir);
  const r = run(NGINX, ["-p", `${cur}/`, "-c", join(cur, CONFIG_FILE), "-e", join(dir, "error.log")]);
  if (r.code !== 0) throw new Error(`nginx did not start: ${(r.stderr || r.stdout).trim()}`);
  return "started";
}

/**
 * Removes the internal servers' Unix sockets (DIR/jx-*.sock) an nginx that died without a clean exit
 * left behind: nginx does not unlink them before binding, so its next start would fail with "Address
 * already in use". Called only when no nginx of DIR runs; anything that is not a socket is left alone.
 */
export function removeStaleSockets(dir: string): string[] {
  const stale = readdirSync(dir).filter((n) => /^jx-.*\.sock$/.test(n) && lstatSync(join(dir, n)).isSocket());
  for (const n of stale) rmSync(join(dir, n), { force: true });
  return stale;
}

/** Removes configuration versions other than the current one and the one before it. */
function prune(dir: string, keep: string): void {
  const versions = readdirSync(dir).filter((n) => /^v\d+-\d+$/.test(n) && join(dir, n) !== keep).sort();
  for (const n of versions.slice(0, -1)) rmSync(join(dir, n), { recursive: true, force: true });
}

/** The version folder DIR/current points to, if any. */
export function currentVersion(dir: string): string | undefined {
  try { return lstatSync(currentDir(dir)).isSymbolicLink() ? join(dir, readlinkSync(currentDir(dir))) : undefined; } catch { return undefined; }
}
