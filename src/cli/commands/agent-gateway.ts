// `junction agent --gateway NS/NAME`: the host's nginx kept configured from Gateway API objects.

import { resolve } from "node:path";
import { activate, compileGateway, gatewayDiff, stageVersion, type GatewayAgentConfig } from "../../lab/gateway-agent.js";
import { nginxCapability, nginxPid } from "../../lab/nginx.js";
import { DEFAULT_NGINX_OPTIONS } from "../../targets/nginx/index.js";
import { InputError, UsageError, list, str, type Io, type OptionSpec, type Values } from "../command.js";
import { STEP_EXIT, reportInvalid, stamp, watchUntilStopped, type StepResult } from "../agent-loop.js";
import { nginxOptions } from "../targets/nginx.js";
import { readOptions } from "../inputs.js";

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
  return { paths, read: readOptions(values), host, gateway: str(values, "gateway")!, dir: resolve(str(values, "nginx-dir")!), listen: o.listen, modulesDir: o.modulesDir, lenient: values.lenient === true };
}

/** One round: compile, (dry: diff) or stage + nginx -t + activate. */
function step(cfg: GatewayAgentConfig, io: Io, dry: boolean, state: { good: boolean }): StepResult {
  const keeping = state.good ? "keeping the last good configuration serving" : "nginx was not configured";
  const c = compileGateway(cfg);
  if (!c.ok) { reportInvalid(io, c.errors, keeping); return "invalid"; }
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

export function runGatewayAgent(values: Values, io: Io): number | Promise<number> {
  const cfg = config(values);
  const cap = nginxCapability(cfg.modulesDir);
  if (!cap.ok) throw new InputError(`the gateway agent needs nginx: ${cap.missing.join("; ")}`);
  const dry = values["dry-run"] === true;
  const state = { good: nginxPid(cfg.dir) !== undefined };
  if (values.watch !== true) return STEP_EXIT[step(cfg, io, dry, state)];
  return watchUntilStopped({
    paths: cfg.paths, recursive: cfg.read?.recursive, io, sighup: true, tick: () => { step(cfg, io, dry, state); },
    watching: cfg.paths.join(", "), stopping: `nginx keeps serving (stop it with: kill $(cat ${cfg.dir}/nginx.pid))`,
  });
}
