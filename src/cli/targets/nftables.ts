// `junction compile --target nftables --host NAME`: the firewall of one Workload or node.

import { resolveHost } from "../../engine/endpoints.js";
import { PolicyEngine } from "../../engine/verdict.js";
import type { Endpoint } from "../../model/endpoint.js";
import { isProtocol } from "../../model/ports.js";
import type { Loaded } from "../../sources/load.js";
import { DEFAULT_FAILSAFE, compileHost, type FailsafePort } from "../../targets/nftables/host.js";
import { renderTable } from "../../targets/nftables/ruleset.js";
import { formatProblem } from "../../targets/problems.js";
import { EXIT, InputError, UsageError, list, str, type OptionSpec, type Values } from "../command.js";
import type { CompileTarget } from "../compile-targets.js";
import { engineOptions } from "../inputs.js";

export const HOST_OPTIONS: Record<string, OptionSpec> = {
  host: { type: "string", arg: "NAME", description: "nftables: the Workload (NAMESPACE/NAME), node (NAME or node:NAME) or pod (pod:NAMESPACE/NAME) to firewall" },
  failsafe: { type: "string", multiple: true, arg: "PORTS", description: "nftables: inbound ports always accepted, e.g. 22,udp/68 (default: tcp/22)" },
  "no-failsafe": { type: "boolean", description: "nftables: no failsafe ports (an operator may lock themselves out)" },
};

/** --failsafe tcp/22,udp/68 (a bare number is TCP); --no-failsafe for none. */
export function failsafePorts(values: Values): FailsafePort[] {
  if (values["no-failsafe"] === true) {
    if (list(values, "failsafe").length) throw new UsageError("--failsafe and --no-failsafe contradict each other");
    return [];
  }
  const given = list(values, "failsafe").flatMap((v) => v.split(",")).map((s) => s.trim()).filter(Boolean);
  if (!given.length) return [...DEFAULT_FAILSAFE];
  return given.map((s) => {
    const m = /^(?:([a-zA-Z]+)\/)?(\d{1,5})$/.exec(s);
    const protocol = (m?.[1] ?? "tcp").toUpperCase();
    const port = Number(m?.[2]);
    if (!m || !isProtocol(protocol) || port < 1 || port > 65535) throw new UsageError(`--failsafe: ${JSON.stringify(s)} is not PORT or PROTOCOL/PORT (tcp, udp, sctp; 1-65535)`);
    return { protocol, port };
  });
}

/** The --host endpoint, or an input error naming what exists. */
export function hostEndpoint(engine: PolicyEngine, values: Values): Endpoint {
  const name = str(values, "host");
  if (!name) throw new UsageError("--host NAME is required: the Workload (NAMESPACE/NAME) or node (NAME) to firewall");
  const r = resolveHost(engine.index, name);
  if (!r.ok) throw new InputError(`--host: ${r.error}`);
  return r.endpoint;
}

export const nftablesTarget: CompileTarget = {
  name: "nftables",
  description: "an nftables ruleset (table inet junction) enforcing every policy tier for one host (--host)",
  options: HOST_OPTIONS,
  formats: ["nft"],
  run(loaded: Loaded, values, io) {
    const failsafe = failsafePorts(values);
    const engine = new PolicyEngine(loaded.inventory, engineOptions(values));
    const compiled = compileHost(engine, hostEndpoint(engine, values), failsafe);
    if (compiled.problems.length) {
      const lines = loaded.locator.lineOf.bind(loaded.locator);
      throw new InputError(`${compiled.problems.map((p) => formatProblem(p, lines)).join("\n")}\nnothing was compiled: the ruleset would not enforce these rules as written`);
    }
    for (const w of compiled.warnings) io.err(`warning: ${w}\n`);
    io.out(renderTable(compiled.table));
    return EXIT.ok;
  },
};
