// `junction agent --gateway NS/NAME`: the host's nginx kept configured from Gateway API objects.

import { resolve } from "node:path";
import { activate, compileGateway, gatewayDiff, stageVersion, type GatewayAgentConfig } from "../../lab/gateway-agent.js";
import { nginxCapability, nginxPid } from "../../lab/nginx.js";
import { watchInputs } from "../../lab/agent.js";
import { DEFAULT_NGINX_OPTIONS } from "../../targets/nginx/index.js";
import { EXIT, InputError, UsageError, list, str, type Io, type OptionSpec, type Values } from "../command.js";
import { nginxOptions } from "../targets/nginx.js";

export const GATEWAY_AGENT_OPTIONS: Record<string, OptionSpec> = {
  gateway: { type: "string", arg: "NS/NAME", description: "keep this Gateway's nginx configured instead of the host firewall" },
  "nginx-dir": { type: "string", arg: "DIR", default: "/var/lib/junction/nginx", description: "with --gateway: the agent's folder (configuration versions, current, nginx.pid, error.log)" },
  listen: { type: "string", multiple: true, arg: "ADDRESS", description: "with --gateway: address the listeners bind (repeatable; default: every IPv4 address)" },
  "modules-dir": { type: "string", arg: "DIR", default: DEFAULT_NGINX_OPTIONS.modulesDir, description: "with --gateway: where nginx's njs and stream modules are" },
};

function config(values: Values): GatewayAgentConfig {
  const paths = list(values, "file");
  if (!paths.length) throw new UsageError("no input: give at least one -f PATH");
  const host = str(values, "host");
  if (!host) throw new UsageError("--host NAME is required: the Workload (NAMESPACE/NAME) or node (NAME) this nginx runs on");
  if (values.watch === true && paths.includes("-")) throw new UsageError("--watch cannot watch stdin; give files or folders");
  if (str(values, "netns") !== undefined) throw new UsageError("--netns applies to the host firewall, not to --gateway");
  const o = nginxOptions(values);
  return { paths, host, gateway: str(values, "gateway")!, dir: resolve(str(values, "nginx-dir")!), listen: o.listen, modulesDir: o.modulesDir, lenient: values.lenient === true };
}

const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/** One round: compile, (dry: diff) or stage + nginx -t + activate. */
function step(cfg: GatewayAgentConfig, io: Io, dry: boolean, state: { good: boolean }): "ok" | "pending" | "invalid" {
  const keeping = state.good ? "keeping the last good configuration serving" : "nginx was not configured";
  const c = compileGateway(cfg);
  if (!c.ok) { io.err(`${stamp()} invalid input; ${keeping}:\n${c.errors.map((e) => `  error: ${e}\n`).join("")}`); return "invalid"; }
  for (const w of c.warnings) io.err(`warning: ${w}\n`);
  const diff = gatewayDiff(cfg.dir, c.files);
  if (dry) { io.out(diff || `no change: ${cfg.dir}/current is the compiled configuration\n`); return diff ? "pending" : "ok"; }
  if (!diff && state.good) { io.err(`${stamp()} inputs changed; the configuration of ${cfg.gateway} is the same, nothing reloaded\n`); return "ok"; }
  const staged = stageVersion(cfg.dir, c.files);
  if ("error" in staged) { io.err(`${stamp()} ${staged.error}\n${keeping}\n`); return "invalid"; }
  try {
    const how = activate(cfg.dir, staged.version);
    state.good = true;
    io.err(`${stamp()} nginx ${how} with the configuration of Gateway ${cfg.gateway} for ${cfg.host} (${staged.version})\n`);
    return "ok";
  } catch (e) {
    io.err(`${stamp()} ${(e as Error).message}\n`);
    return "invalid";
  }
}

function watchForever(cfg: GatewayAgentConfig, io: Io, dry: boolean): Promise<number> {
  const state = { good: nginxPid(cfg.dir) !== undefined };
  const tick = () => { step(cfg, io, dry, state); };
  tick();
  const stop = watchInputs(cfg.paths, tick);
  io.err(`${stamp()} watching ${cfg.paths.join(", ")} (SIGHUP reloads, SIGINT/SIGTERM stop)\n`);
  return new Promise((done) => {
    const end = () => {
      stop();
      process.off("SIGHUP", tick);
      io.err(`${stamp()} stopping; nginx keeps serving (stop it with: kill $(cat ${cfg.dir}/nginx.pid))\n`);
      done(EXIT.ok);
    };
    process.once("SIGINT", end);
    process.once("SIGTERM", end);
    process.on("SIGHUP", tick);
  });
}

export function runGatewayAgent(values: Values, io: Io): number | Promise<number> {
  const cfg = config(values);
  const cap = nginxCapability(cfg.modulesDir);
  if (!cap.ok) throw new InputError(`the gateway agent needs nginx: ${cap.missing.join("; ")}`);
  const dry = values["dry-run"] === true;
  if (values.watch === true) return watchForever(cfg, io, dry);
  return { ok: EXIT.ok, pending: EXIT.failed, invalid: EXIT.invalid }[step(cfg, io, dry, { good: nginxPid(cfg.dir) !== undefined })];
}
