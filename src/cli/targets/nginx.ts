// `junction compile --target nginx --gateway NS/NAME`: the nginx configuration of one Gateway,
// printed (-o nginx) or written into a folder (--output-dir DIR).

import { chmodSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { GatewayEngine } from "../../engine/gateway/engine.js";
import type { Loaded } from "../../sources/load.js";
import { CONFIG_FILE, compileNginx, DEFAULT_NGINX_OPTIONS, formatNginxProblem, type NginxOptions, type NginxResult } from "../../targets/nginx/index.js";
import { EXIT, InputError, UsageError, list, str, type Io, type OptionSpec, type Values } from "../command.js";
import type { CompileTarget } from "../compile-targets.js";
import { fsReason, outputFolder, writeFile } from "../outputs.js";

export const NGINX_OPTIONS: Record<string, OptionSpec> = {
  gateway: { type: "string", arg: "NS/NAME", description: "nginx: the Gateway to compile (its listeners and attached routes)" },
  "output-dir": { type: "string", arg: "DIR", description: "nginx: write the configuration folder here (run it with nginx -p DIR/ -c DIR/nginx.conf; a port shared by TLS listeners binds Unix sockets there)" },
  listen: { type: "string", multiple: true, arg: "ADDRESS", description: "nginx: address the listeners bind (repeatable; default: every IPv4 address)" },
  "modules-dir": { type: "string", arg: "DIR", default: DEFAULT_NGINX_OPTIONS.modulesDir, description: "nginx: where the njs and stream modules are (load_module)" },
};

/** The options of the nginx target from the command line. */
export function nginxOptions(values: Values): NginxOptions {
  const listen = list(values, "listen");
  for (const a of listen) if (!/^(\d{1,3}(\.\d{1,3}){3}|\[?[0-9a-fA-F:.]+\]?)$/.test(a)) throw new UsageError(`--listen: ${JSON.stringify(a)} is not an IP address`);
  return { ...DEFAULT_NGINX_OPTIONS, modulesDir: str(values, "modules-dir") ?? DEFAULT_NGINX_OPTIONS.modulesDir, listen };
}

/** The configuration of --gateway, or an input error naming every problem. */
export function compiledGateway(loaded: Loaded, values: Values, options: NginxOptions, engine = new GatewayEngine(loaded.inventory)): NginxResult {
  const ref = str(values, "gateway");
  if (!ref) throw new UsageError("--gateway NS/NAME is required: the Gateway to compile");
  const r = compileNginx(engine, ref, options);
  if (typeof r === "string") throw new InputError(`--gateway: ${r}`);
  if (r.problems.length) {
    const lines = loaded.locator.lineOf.bind(loaded.locator);
    throw new InputError(`${r.problems.map((p) => formatNginxProblem(p, lines)).join("\n")}\nnothing was compiled: nginx would not do what these routes say`);
  }
  return r;
}

export const JUNCTION_HEADER = /^# nginx configuration of Gateway .*, compiled by Junction/;

/** Writes the files into `dir`; a nginx.conf there that Junction did not write is an error. */
export function writeConfigFolder(flag: string, dir: string, files: ReadonlyMap<string, string>, cwd: string): string {
  const path = outputFolder(flag, dir, cwd);
  const conf = join(path, CONFIG_FILE);
  if (existsSync(conf) && !JUNCTION_HEADER.test(readFileSync(conf, "utf8"))) throw new InputError(`${flag} ${dir}: holds an ${CONFIG_FILE} that Junction did not write; name another folder`);
  for (const [name, text] of files) {
    try { mkdirSync(dirname(join(path, name)), { recursive: true }); } catch (e) { throw new InputError(`${flag} ${dir}: cannot create ${dirname(name)}: ${fsReason(e)}`); }
    writeFile(flag, join(dir, name), join(path, name), text);
    // Certificates carry their private keys.
    if (name.startsWith("certs/")) chmodSync(join(path, name), 0o600);
  }
  return path;
}

/** The files one after another, each under a "# ==> NAME <==" line. */
export function bundle(files: ReadonlyMap<string, string>): string {
  return [...files].map(([name, text]) => `# ==> ${name} <==\n${text}`).join("\n");
}

export const nginxTarget: CompileTarget = {
  name: "nginx",
  description: "the nginx configuration (njs for header, query and method matches) serving one Gateway (--gateway)",
  options: NGINX_OPTIONS,
  formats: ["nginx"],
  run(loaded: Loaded, values: Values, io: Io) {
    const dir = str(values, "output-dir");
    // The sockets of internal TLS servers (a port shared by TLS listeners) go into the folder: nginx binds them as written.
    const r = compiledGateway(loaded, values, { ...nginxOptions(values), ...(dir ? { socketDir: resolve(io.cwd, dir) } : {}) });
    for (const w of r.warnings) io.err(`warning: ${w}\n`);
    if (!dir) { io.out(bundle(r.files)); return EXIT.ok; }
    const path = writeConfigFolder("--output-dir", dir, r.files, io.cwd);
    io.err(`wrote ${r.files.size} file${r.files.size === 1 ? "" : "s"} into ${dir}; check with: nginx -t -p ${path}/ -c ${join(path, CONFIG_FILE)}\n`);
    return EXIT.ok;
  },
};
