// junction lab up|probe|status|down: a cluster's policies enforced by the Linux kernel on this machine.

import { labCapability, LabError } from "../../lab/exec.js";
import { labDown, labUp } from "../../lab/lifecycle.js";
import { labProbe } from "../../lab/probe.js";
import { DEFAULT_LAB, DEFAULT_RUN_DIR, LabDir } from "../../lab/state.js";
import { helperAlive } from "../../lab/listeners.js";
import { namespacesWithPrefix } from "../../lab/netns.js";
import { labPrefix } from "../../lab/state.js";
import { parseCidr } from "../../model/ip.js";
import { labResult, labResultsTable } from "../../targets/labresult.js";
import { renderTable } from "../../targets/table.js";
import { EXIT, InputError, UsageError, str, type Command, type Io, type OptionSpec, type Values } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, NAMESPACE_OPTION, engineOptions, loadInputs, outputOption, printOutput } from "../inputs.js";
import { readExpectationFile } from "./test.js";
import { formatDiagnostic } from "../../model/source.js";
import { readRequests, type RequestEntry } from "../../sources/requests.js";
import { readTextFile } from "../../sources/read.js";
import { labRequests, labRequestsTable } from "../lab-requests.js";
import { list } from "../command.js";
import { nginxPid } from "../../lab/nginx.js";

const LAB_OPTIONS: Record<string, OptionSpec> = {
  name: { type: "string", arg: "NAME", default: DEFAULT_LAB, description: "lab name (1-12 lowercase letters and digits); its namespaces are named jl-NAME-*" },
  "run-dir": { type: "string", arg: "DIR", default: DEFAULT_RUN_DIR, description: "where labs record what they created" },
};

/** The lab's directory, once the machine is known to be able to run labs. */
function labDir(values: Values): LabDir {
  const cap = labCapability();
  if (!cap.ok) throw new InputError(`the lab cannot run here: ${cap.missing.join("; ")}`);
  try { return new LabDir(str(values, "run-dir")!, str(values, "name")!); }
  catch (e) { throw asInput(e); }
}

function asInput(e: unknown): unknown {
  return e instanceof LabError ? new InputError(e.message) : e;
}


const upCommand: Command = {
  name: "up",
  summary: "Create the lab: a network namespace per pod/Workload/node on one bridge, policies enforced with nftables, real listeners.",
  usage: "junction lab up -f PATH [--name NAME] [options]",
  description: [
    "Every pod, Workload and node with an address becomes a network namespace holding its addresses (host-network pods",
    "share their node's), joined by a bridge inside the lab's hub namespace; pods without an address get one from --pool.",
    "Every declared container port gets a real listener (TCP, UDP; SCTP through the kernel where it has SCTP, else",
    "emulated over raw sockets). The policies are compiled to nftables and loaded on the bridge, as a CNI enforces them.",
    "Every Gateway (or those --gateways names) is compiled to nginx and run in a namespace of its own, with real echo",
    "backends (HTTP/1.1, h2c, TLS, gRPC, TCP, UDP) for the backends its routes use and a client namespace: 'lab probe",
    "--requests' sends real requests through it (docs/gateway-dataplane.md). Gateways need nginx with njs and stream.",
    "A lab of the same name left by an earlier run is removed first. Needs root, iproute2, nftables and perl.",
  ].join("\n"),
  options: {
    ...INPUT_OPTIONS, ...LAB_OPTIONS,
    pool: { type: "string", arg: "CIDR", default: "10.254.0.0/16", description: "addresses for pods and Workloads that have none" },
    max: { type: "string", arg: "N", default: "500", description: "refuse inputs with more hosts than this" },
    gateways: { type: "string", multiple: true, arg: "NS/NAME", description: "run only these Gateways on nginx (repeatable; default: every Gateway)" },
    "no-gateways": { type: "boolean", description: "run no Gateway on nginx (the policies only)" },
    ...outputOption(["table", "json", "yaml"], "table"),
    ...ENGINE_OPTIONS,
  },
  examples: ["junction lab up -f examples/enforcement", "junction lab up -f cluster/ --name demo --pool 10.99.0.0/16"],
  run(values, _pos, io) {
    const dir = labDir(values);
    const pool = parseCidr(str(values, "pool")!);
    if (!pool) throw new UsageError(`--pool must be a CIDR, not ${JSON.stringify(str(values, "pool"))}`);
    const max = Number(str(values, "max"));
    if (!Number.isInteger(max) || max < 1) throw new UsageError("--max must be a positive integer");
    const loaded = loadInputs(values, io);
    try {
      if (values["no-gateways"] === true && list(values, "gateways").length) throw new UsageError("give --gateways or --no-gateways, not both");
      const gateways = values["no-gateways"] === true ? undefined : list(values, "gateways");
      const up = labUp({ dir, inputs: loaded.inputs, inventory: loaded.inventory, options: engineOptions(values), pool, max, lines: loaded.locator.lineOf.bind(loaded.locator), progress: (m) => io.err(`${m}...\n`), gateways });
      if (up.cleaned.length) io.err(`note: removed ${up.cleaned.length} namespaces a previous run of lab ${dir.name} left\n`);
      for (const w of up.warnings) io.err(`warning: ${w}\n`);
      const rows = up.state.hosts.map((h) => [h.netns, h.endpoints.map((e) => e.label).join(", "), h.addresses.join(", "), listening(h.listen)]);
      const gws = up.state.l7?.gateways ?? [];
      rows.push(...gws.map((g) => [g.netns, `Gateway ${g.ref} (nginx, ${g.dir})`, g.address, ""]));
      const l7 = up.state.l7 ? `; ${gws.length} Gateway${gws.length === 1 ? "" : "s"} on nginx, echo backends in ${up.state.l7.echo}, client ${up.state.l7.client}` : "";
      printOutput(io, values, () => ({ name: up.state.name, hub: up.state.hub, hosts: up.state.hosts, chains: up.chains, sets: up.sets, listeners: up.listeners, gateways: gws }), () =>
        renderTable(["NETNS", "ENDPOINTS", "ADDRESSES", "LISTENING"], rows) +
        `\nlab "${up.state.name}" is up: ${up.state.hosts.length} namespaces on bridge br0 of ${up.state.hub}; ${up.chains} chains, ${up.sets} sets (${dir.path("lab.nft")}); listeners: ${up.listeners}${l7}\n`);
      return EXIT.ok;
    } catch (e) { throw asInput(e); }
  },
};

function listening(ports: readonly { protocol: string; port: number }[]): string {
  const by = new Map<string, number[]>();
  for (const p of ports) by.set(p.protocol, [...(by.get(p.protocol) ?? []), p.port]);
  return [...by].map(([proto, list]) => `${proto}/${list.join(",")}`).join(" ");
}

const probeCommand: Command = {
  name: "probe",
  summary: "Check connectivity assertions with real connections in the lab, beside the engine's verdicts.",
  usage: "junction lab probe (--expect FILE | --requests FILE) [--name NAME] [-o table|json|yaml]",
  description: [
    "FILE has the format of 'junction test'. For every (source, destination) pair of every assertion the lab opens a real",
    "connection from the source's namespace: connected (or refused by a host where nothing listens) is allowed, no answer",
    "before --timeout is denied. The engine judges the inputs the lab was started with.",
    "--requests FILE (the format of 'junction route --requests') sends real requests through the lab's nginx from its",
    "client namespace and shows expected, engine and real side by side (status, backend, redirect, upstream request).",
    "Exit status: 0 when expectation, engine and kernel agree on every assertion, 1 when not, 2 on invalid input.",
  ].join("\n"),
  options: {
    ...LAB_OPTIONS,
    expect: { type: "string", short: "e", arg: "FILE", description: "assertions file" },
    requests: { type: "string", arg: "FILE", description: "requests file (as for junction route --requests), sent through the Gateways on nginx" },
    timeout: { type: "string", arg: "SECONDS", default: "2", description: "how long a connection may take before it counts as denied" },
    ...NAMESPACE_OPTION,
    ...outputOption(["table", "json", "yaml"], "table"),
  },
  examples: ["junction lab probe --expect examples/enforcement.expect.yaml"],
  run(values, _pos, io) {
    const file = str(values, "expect");
    const requestFile = str(values, "requests");
    if (!file === !requestFile) throw new UsageError("give one of --expect FILE or --requests FILE");
    if (requestFile) return probeRequests(values, requestFile, io);
    const timeout = Number(str(values, "timeout"));
    if (!(timeout > 0 && timeout <= 60)) throw new UsageError("--timeout must be between 0 and 60 seconds");
    const dir = labDir(values);
    const { expectations, requests } = readExpectationFile(file!, io);
    if (requests.length) throw new InputError(`${file}: the lab probes flows; its ${requests.length} request assertion${requests.length === 1 ? " is" : "s are"} answered by junction test`);
    try {
      const r = labProbe(dir, expectations, timeout, (m) => io.err(`${m}...\n`), str(values, "namespace"));
      const lines = r.loaded.locator.lineOf.bind(r.loaded.locator);
      const results = r.checked.map((c, i) => labResult(c, r.probes[i], lines));
      printOutput(io, values, () => ({ results }), () => labResultsTable(results));
      return results.every((x) => x.pass) ? EXIT.ok : EXIT.failed;
    } catch (e) { throw asInput(e); }
  },
};

function readRequestFile(path: string, io: Io): RequestEntry[] {
  let text: string;
  try { text = readTextFile(path); } catch (e) { throw new InputError((e as Error).message); }
  const parsed = readRequests({ name: path, text });
  for (const d of parsed.diagnostics.items.filter((d) => d.severity === "warning")) io.err(`warning: ${formatDiagnostic(d)}\n`);
  if (parsed.diagnostics.hasErrors) throw new InputError(parsed.diagnostics.errors.map(formatDiagnostic).join("\n"));
  return parsed.entries;
}

function probeRequests(values: Values, path: string, io: Io): number {
  const dir = labDir(values);
  const entries = readRequestFile(path, io);
  try {
    const results = labRequests(dir, entries, (m) => io.err(`${m}...\n`));
    printOutput(io, values, () => ({ results }), () => labRequestsTable(entries, results));
    return results.every((r) => r.pass) ? EXIT.ok : EXIT.failed;
  } catch (e) { throw asInput(e); }
}

const statusCommand: Command = {
  name: "status",
  summary: "Show a lab's namespaces, addresses and listeners, and whether it is running.",
  description: "Exit status: 0 when the lab is up and its listeners run, 1 when it is down or its listeners do not run, 2 on invalid input.",
  usage: "junction lab status [--name NAME] [-o table|json|yaml]",
  options: { ...LAB_OPTIONS, ...outputOption(["table", "json", "yaml"], "table") },
  run(values, _pos, io) {
    const dir = labDir(values);
    // Like a failed health check: a lab that is not there is exit 1, whatever the format.
    if (!dir.exists()) { printOutput(io, values, () => ({ name: dir.name, up: false, running: false }), () => `lab "${dir.name}" is down\n`); return EXIT.failed; }
    try {
      const s = dir.read();
      const present = new Set(namespacesWithPrefix(labPrefix(s.name)));
      const running = (s.hosts.length === 0 || helperAlive(s.helperPid, dir)) && (s.l7?.gateways ?? []).every((g) => nginxPid(g.dir) !== undefined);
      const rows = [...s.hosts, ...s.externals.map((x) => ({ netns: x.netns, endpoints: [{ id: -1, label: "(external address)" }], addresses: [x.address], listen: [] }))]
        .map((h) => [h.netns, present.has(h.netns) ? "present" : "MISSING", h.endpoints.map((e) => e.label).join(", "), h.addresses.join(", "), listening(h.listen)]);
      for (const g of s.l7?.gateways ?? []) rows.push([g.netns, present.has(g.netns) ? (nginxPid(g.dir) ? "nginx running" : "nginx NOT running") : "MISSING", `Gateway ${g.ref}`, g.address, ""]);
      printOutput(io, values, () => ({ name: s.name, up: true, created: s.created, running, hub: s.hub, hosts: s.hosts, externals: s.externals, gateways: (s.l7?.gateways ?? []).map((g) => ({ ...g, nginx: nginxPid(g.dir) !== undefined })) }), () =>
        renderTable(["NETNS", "STATE", "ENDPOINTS", "ADDRESSES", "LISTENING"], rows) +
        `\nlab "${s.name}", up since ${s.created}: listeners ${running ? `running (pid ${s.helperPid})` : "NOT running"}; ruleset ${dir.path("lab.nft")}\n`);
      return running ? EXIT.ok : EXIT.failed;
    } catch (e) { throw asInput(e); }
  },
};

const downCommand: Command = {
  name: "down",
  summary: "Remove everything a lab created (its namespaces, listeners and run directory), and nothing else.",
  usage: "junction lab down [--name NAME]",
  options: { ...LAB_OPTIONS },
  run(values, _pos, io) {
    const dir = labDir(values);
    try {
      const r = labDown(dir);
      io.out(`lab "${dir.name}" is down: removed ${r.namespaces.length} namespace${r.namespaces.length === 1 ? "" : "s"}${r.helperStopped ? " and stopped its listeners" : ""}\n`);
      return EXIT.ok;
    } catch (e) { throw asInput(e); }
  },
};

export const labCommand: Command = {
  name: "lab",
  summary: "Enforce the policies for real: network namespaces, nftables and real connections on this machine.",
  usage: "junction lab up|probe|status|down [options]",
  options: {},
  subcommands: [upCommand, probeCommand, statusCommand, downCommand],
  run: () => EXIT.invalid,
};
