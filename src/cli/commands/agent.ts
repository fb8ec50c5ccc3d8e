// junction agent: the host firewall, kept loaded and up to date.

import { existsSync } from "node:fs";
import { applyRuleset, compileForAgent, dryRunDiff, type AgentConfig } from "../../lab/agent.js";
import { LabError, nftCapability } from "../../lab/exec.js";
import { netnsPath } from "../../lab/netns.js";
import { InputError, UsageError, list, str, type Command, type Io, type Values } from "../command.js";
import { STEP_EXIT, reportInvalid, stamp, watchUntilStopped, type StepResult } from "../agent-loop.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, engineOptions, readOptions } from "../inputs.js";
import { HOST_OPTIONS, failsafePorts } from "../targets/nftables.js";
import { runAddressGroupsAgent } from "../targets/addressgroups-agent.js";
import { ADDRESSGROUP_OPTIONS } from "../targets/addressgroups.js";
import { GATEWAY_AGENT_OPTIONS, runGatewayAgent } from "./agent-gateway.js";

function config(values: Values): AgentConfig {
  const paths = list(values, "file");
  if (!paths.length) throw new UsageError("no input: give at least one -f PATH");
  const host = str(values, "host");
  if (!host) throw new UsageError("--host NAME is required: the Workload (NAMESPACE/NAME) or node (NAME) this agent protects");
  const netns = str(values, "netns");
  if (netns !== undefined && !existsSync(netnsPath(netns))) throw new InputError(`--netns: no network namespace named ${netns} (see ip netns list)`);
  if (values.watch === true && paths.includes("-")) throw new UsageError("--watch cannot watch stdin; give files or folders");
  return { paths, read: readOptions(values), host, options: engineOptions(values), failsafe: failsafePorts(values), lenient: values.lenient === true, netns };
}

/** Compiles and loads (or, dry, shows the diff): "ok", "pending" (dry, a change to load) or "invalid". */
function step(cfg: AgentConfig, io: Io, dry: boolean, last: { text?: string }): StepResult {
  const c = compileForAgent(cfg);
  if (!c.ok) { reportInvalid(io, c.errors, last.text ? "keeping the last good ruleset loaded" : "nothing was loaded"); return "invalid"; }
  for (const w of c.warnings) io.err(`warning: ${w}\n`);
  const where = cfg.netns ? ` in ${cfg.netns}` : "";
  try {
    if (dry) {
      const diff = dryRunDiff(c.text, cfg.netns);
      io.out(diff || `no change: the loaded ruleset${where} is the compiled one\n`);
      if (diff) return "pending";
    } else if (c.text === last.text) {
      io.err(`${stamp()} inputs changed; the ruleset for ${cfg.host} is the same, nothing reloaded\n`);
    } else {
      applyRuleset(c.text, cfg.netns);
      last.text = c.text;
      io.err(`${stamp()} loaded table inet junction for ${cfg.host}${where}: ${c.chains} chains, ${c.sets} sets\n`);
    }
    return "ok";
  } catch (e) {
    if (!(e instanceof LabError)) throw e;
    io.err(`${stamp()} ${e.message}\n${last.text ? "keeping the last good ruleset loaded\n" : ""}`);
    return "invalid";
  }
}

export const agentCommand: Command = {
  name: "agent",
  summary: "Keep a host's nftables firewall (table inet junction) loaded from the policies, atomically, and up to date.",
  usage: "junction agent --host NAME -f PATH [--watch] [--dry-run] [options]",
  description: [
    "Compiles the ruleset of 'junction compile --target nftables' for --host and loads it in one 'nft -f' transaction",
    "that replaces table inet junction and touches no other table. --watch reloads whenever an input changes (and on",
    "SIGHUP); when the new input is invalid the ruleset already loaded stays, and the errors are printed. --dry-run",
    "prints what would change, as a diff of 'nft list table inet junction' outputs, and loads nothing. Needs root.",
    "Exit status: 0 loaded (or, dry, nothing to change); 1 with --dry-run when a change is pending (as kubectl diff);",
    "2 invalid input, or nft refused the ruleset. With --watch: 0 when stopped.",
    "--addressgroups loads the address groups instead (per application, its addresses across clusters, VMs and",
    "networks: see compile --target addressgroups) and, with --watch, keeps them current as the inputs change and,",
    "reading a cluster (--kubeconfig), as its pods come and go.",
    "",
    "With --gateway NS/NAME it keeps the host's nginx configured from Gateway API objects instead (see --nginx-dir):",
    "each configuration is checked with nginx -t and made current atomically, then nginx reloads; an invalid input",
    "keeps the last good configuration serving (docs/gateway-dataplane.md).",
  ].join("\n"),
  options: {
    ...INPUT_OPTIONS,
    ...HOST_OPTIONS,
    watch: { type: "boolean", short: "w", description: "keep running and reload when the inputs change" },
    "dry-run": { type: "boolean", description: "print what would change and load nothing" },
    netns: { type: "string", arg: "NAME", description: "load into this named network namespace (ip netns) instead of the agent's own" },
    addressgroups: { type: "boolean", description: "load the address groups (compile --target addressgroups) instead of a host's firewall: table inet junction_addressgroups" },
    ...ADDRESSGROUP_OPTIONS,
    ...GATEWAY_AGENT_OPTIONS,
    ...ENGINE_OPTIONS,
  },
  examples: [
    "junction agent --host orders/orders-db -f examples/enforcement --dry-run",
    "junction agent --host orders/orders-db -f policies/ --watch --failsafe tcp/22,udp/68",
    "junction agent --addressgroups -f clusters.yaml --cluster prod-eu=dumps/eu --kubeconfig ~/.kube/config --watch",
    "junction agent --host edge-vm --gateway infra/edge -f gateway/ --nginx-dir /var/lib/junction/nginx --watch",
  ],
  run(values, _pos, io) {
    if (values.addressgroups === true) return runAddressGroupsAgent(values, io);
    if (str(values, "gateway") !== undefined) return runGatewayAgent(values, io);
    const cfg = config(values);
    const cap = nftCapability();
    if (!cap.ok) throw new InputError(`the agent cannot load rulesets here: ${cap.missing.join("; ")}`);
    const dry = values["dry-run"] === true;
    const last: { text?: string } = {};
    if (values.watch !== true) return STEP_EXIT[step(cfg, io, dry, last)];
    return watchUntilStopped({
      paths: cfg.paths, recursive: cfg.read?.recursive, io, sighup: true, tick: () => { step(cfg, io, dry, last); },
      watching: cfg.paths.join(", "), stopping: "the ruleset stays loaded (remove it with: nft delete table inet junction)",
    });
  },
};
