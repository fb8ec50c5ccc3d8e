// Running nginx on a configuration folder Junction wrote (`nginx -p DIR/ -c DIR/nginx.conf`):
// finding out whether nginx and its modules are here, checking a folder with `nginx -t`, starting
// it (optionally inside a network namespace), reloading and stopping it by its own pid file. The
// system's nginx service and /etc/nginx are never touched.

import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { DEFAULT_NGINX_OPTIONS } from "../targets/nginx/index.js";
import { run, type Capability } from "./exec.js";

export const NGINX = "nginx";
const MODULES = ["ngx_http_js_module.so", "ngx_stream_module.so"];

/** Is nginx installed, with the njs and stream modules (Debian: nginx, libnginx-mod-http-js, libnginx-mod-stream)? */
export function nginxCapability(modulesDir = DEFAULT_NGINX_OPTIONS.modulesDir): Capability {
  const missing: string[] = [];
  if (run(NGINX, ["-v"]).code !== 0) missing.push("nginx is not installed (Debian package nginx)");
  for (const m of MODULES) if (!existsSync(join(modulesDir, m))) missing.push(`${modulesDir}/${m} is missing (Debian packages libnginx-mod-http-js, libnginx-mod-stream)`);
  return { ok: missing.length === 0, missing };
}

/** nginx's arguments for folder `dir`: its prefix, its nginx.conf, its own error log (never the system's). */
export function nginxArgs(dir: string, conf = "nginx.conf"): string[] {
  return ["-p", `${dir}/`, "-c", join(dir, conf), "-e", join(dir, "error.log")];
}

/** Writes the compiled files into `dir` (creating sub-folders); certificates only readable by the owner. */
export function writeFolder(dir: string, files: ReadonlyMap<string, string>): void {
  for (const [name, text] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text, { mode: name.startsWith("certs/") ? 0o600 : 0o644 });
  }
}

/** `nginx -t` on the folder: undefined when the configuration is good, else what nginx said. */
export function nginxTest(dir: string, conf = "nginx.conf"): string | undefined {
  const r = run(NGINX, ["-t", "-q", ...nginxArgs(dir, conf)]);
  return r.code === 0 ? undefined : (r.stderr || r.stdout).trim();
}

/** The pid in the folder's nginx.pid, if nginx runs from there. */
export function nginxPid(dir: string): number | undefined {
  const file = join(dir, "nginx.pid");
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try { process.kill(pid, 0); return pid; } catch { return undefined; }
}

/** Starts nginx (a daemon) on the folder, in network namespace `netns` when given; an error message or undefined. */
export function nginxStart(dir: string, netns?: string, conf = "nginx.conf"): string | undefined {
  const args = nginxArgs(dir, conf);
  const r = netns ? run("ip", ["netns", "exec", netns, NGINX, ...args]) : run(NGINX, args);
  return r.code === 0 ? undefined : (r.stderr || r.stdout).trim();
}

/** Sends a signal to the folder's nginx (HUP reloads, QUIT stops gracefully, TERM at once). */
export function nginxSignal(dir: string, signal: "SIGHUP" | "SIGQUIT" | "SIGTERM"): boolean {
  const pid = nginxPid(dir);
  if (pid === undefined) return false;
  try { process.kill(pid, signal); return true; } catch { return false; }
}

/** Stops the folder's nginx and waits (at most `ms`) until its master has gone. */
export function nginxStop(dir: string, ms = 5000): boolean {
  const pid = nginxPid(dir);
  if (pid === undefined) return false;
  try { process.kill(pid, "SIGTERM"); } catch { return false; }
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try { process.kill(pid, 0); } catch { return true; }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  try { process.kill(pid, "SIGKILL"); } catch { /* gone meanwhile */ }
  return true;
}
