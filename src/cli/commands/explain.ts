// junction explain: the verdict for one flow and the account of why, per direction.

import { isProtocol, type Protocol } from "../../model/ports.js";
import { resolveEndpoint } from "../../engine/endpoints.js";
import { evaluateQuery, type PairResult } from "../../engine/query.js";
import { pairData, pairText, type PairData } from "../../targets/explain.js";
import { renderJson, renderYaml } from "../../targets/data.js";
import { EXIT, InputError, UsageError, portArg, str, type Command, type Io, type Values } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, NAMESPACE_OPTION, loadAnalysis, outputOption, printOutput } from "../inputs.js";
import { CLUSTER_INPUT_OPTIONS } from "../cluster-inputs.js";
import { applyMeshOptions, MESH_OPTIONS } from "../mesh-options.js";
import { answerData, explainAnswer, type CheckedAnswer } from "../../targets/request.js";
import { requestEntry, routeResults } from "./route.js";
import type { RequestEntry } from "../../sources/requests.js";
import type { Analysis } from "../analysis.js";
import { findNetwork, networkLabel, POD_NETWORK } from "../../model/networks.js";

export const explainCommand: Command = {
  name: "explain",
  summary: "Is this flow (or request) allowed, and why? The verdict with the tier, policy and rule that decided each direction (each layer).",
  usage: "junction explain -f PATH --from ENDPOINT (--to ENDPOINT --port PORT [--protocol TCP|UDP|SCTP] | --request 'METHOD URL' [-H 'name: value']...) [-o table|json|yaml]",
  description: [
    "ENDPOINT is NAMESPACE/NAME (a pod, else a workload controller, else a Workload), KIND:NAMESPACE/NAME",
    "(pod:, deployment:, statefulset:, daemonset:, replicaset:, job:, cronjob:, svc:, workload:, node:NAME), ip:ADDRESS,",
    "or any name 'junction list' prints: NAMESPACE/NAME[Kind], FIRST-LAST[External] (or a CIDR), {ingress-controller}.",
    "With -n NAMESPACE, NAME and KIND:NAME are in that namespace.",
    "A Service destination is evaluated on each backend kube-proxy chooses for the client, after targetPort resolution;",
    "a node's address at a nodePort, a load balancer address or an external IP takes kube-proxy's path (source ranges,",
    "externalTrafficPolicy, the source NAT the backend sees: docs/analysis.md). PORT may be a port name.",
    "With --request the pod --from sends one request (as 'junction route --from' does): mesh routing, the L3/L4",
    "hop, then the L7 layers (mutual TLS, network policies' HTTP rules, the server's Istio or Linkerd proxy),",
    "each with the policy, rule and file:line that decided (docs/mesh.md).",
    "With user-defined or secondary networks (docs/networks.md) the answer names the network the flow takes; --network picks one.",
    "Exit status: 0 when every pair is allowed (the request reaches its backend), 1 when some pair is denied",
    "(the request is denied or refused), 2 on invalid input.",
  ].join("\n"),
  options: {
    ...INPUT_OPTIONS, ...CLUSTER_INPUT_OPTIONS,
    from: { type: "string", arg: "ENDPOINT", description: "source of the flow" },
    to: { type: "string", arg: "ENDPOINT", description: "destination of the flow" },
    request: { type: "string", short: "r", arg: "REQUEST", description: "a request the --from pod sends: \"GET http://host/path?query\" (instead of --to/--port)" },
    header: { type: "string", short: "H", multiple: true, arg: "'NAME: VALUE'", description: "request header; repeatable" },
    port: { type: "string", short: "p", arg: "PORT", description: "destination port (number or name)" },
    protocol: { type: "string", arg: "PROTO", choices: ["TCP", "UDP", "SCTP"], description: "protocol (default TCP, or the named port's)" },
    network: { type: "string", arg: "NETWORK", description: "the network the flow takes: a secondary (Multus) network's name, e.g. l2 or l2[NAD] (default: the pair's primary network)" },
    ...NAMESPACE_OPTION,
    ...outputOption(["table", "json", "yaml"], "table"),
    ...ENGINE_OPTIONS,
    ...MESH_OPTIONS,
  },
  examples: [
    "junction explain -f examples/shop --from shop/web --to shop/api --port 8080",
    "junction explain -f examples/shop --from shop/web --to svc:shop/api --port 80 -o json",
    "junction explain -f examples/mesh --from shop/frontend --request 'GET http://catalog/items/42'",
  ],
  run(values, _pos, io) {
    if (str(values, "request") !== undefined) return explainRequest(values, io);
    explainParams(values);
    const a = loadAnalysis(values, io);
    applyMeshOptions(values, a.loaded.inventory);
    const r = explainResult(a, values);
    const format = str(values, "output");
    if (format === "table") io.out(r.pairs.map((p) => pairText(p.pair, p.data)).join("\n"));
    else io.out(format === "json" ? renderJson(r.document) : renderYaml(r.document));
    return r.allowed ? EXIT.ok : EXIT.failed;
  },
};

function explainParams(values: Values): { from: string; to: string; port: number | string } {
  const from = str(values, "from"), to = str(values, "to"), port = portArg(values, "port");
  if (!from || !to || port === undefined) {
    const missing = [!from && "--from", !to && "--to", port === undefined && "--port (or --request)"].filter(Boolean);
    const named = missing.length > 1 ? `${missing.slice(0, -1).join(", ")} and ${missing[missing.length - 1]} are` : `${missing[0]} is`;
    throw new UsageError(`${named} required (an explained flow needs --from, --to and --port)`);
  }
  return { from, to, port };
}

/** --network: a network of the input, by name. */
function networkArg(a: Analysis, values: Values): string | undefined {
  const text = str(values, "network");
  if (text === undefined) return undefined;
  const id = findNetwork(a.inventory.podNetworks, text);
  if (!id) throw new InputError(`--network: no network ${JSON.stringify(text)} in the input (networks: ${[POD_NETWORK, ...a.inventory.podNetworks.map((n) => networkLabel(n.id))].join(", ")})`);
  return id;
}

export interface ExplainResult {
  allowed: boolean;
  pairs: { pair: PairResult; data: PairData }[];
  /** What `explain -o json` prints (and GET /api/v1/explain serves). */
  document: { verdict: "allow" | "deny"; mixed: boolean; pairs: PairData[] };
}

/** The verdict and explanation for --from/--to/--port/--protocol. */
export function explainResult(a: Analysis, values: Values): ExplainResult {
  const { from, to, port } = explainParams(values);
  const protocol = str(values, "protocol");
  const engine = a.engine;
  const ns = str(values, "namespace");
  const src = resolveEndpoint(engine.index, from, ns);
  const dst = resolveEndpoint(engine.index, to, ns);
  const problems = [!src.ok ? `--from: ${src.error}` : "", !dst.ok ? `--to: ${dst.error}` : ""].filter(Boolean);
  if (!src.ok || !dst.ok) throw new InputError(problems.join("\n"));
  const result = evaluateQuery(engine, src.value, dst.value, port, isProtocol(protocol) ? (protocol as Protocol) : undefined, networkArg(a, values));
  if (!result.ok) throw new InputError(result.error);
  const pairs = result.value.pairs.map((p) => ({ pair: p, data: pairData(p, a.lines) }));
  const allowed = result.value.allAllowed;
  return { allowed, pairs, document: { verdict: allowed ? "allow" : "deny", mixed: !allowed && !result.value.noneAllowed, pairs: pairs.map((p) => p.data) } };
}

/** --request: one request sent by --from, walked layer by layer. */
function explainRequest(values: Values, io: Io): number {
  const entry = requestParams(values);
  const a = loadAnalysis(values, io);
  applyMeshOptions(values, a.loaded.inventory);
  const r = requestResult(a, entry);
  printOutput(io, values, () => r.document, () => explainAnswer(entry.request, r.answer, a.lines));
  return r.reached ? EXIT.ok : EXIT.failed;
}

/** The request --request (and -H) describe, checked before anything is loaded. */
export function requestParams(values: Values): RequestEntry {
  if (!str(values, "from")) throw new UsageError("--request needs --from NAMESPACE/POD (the pod that sends it)");
  if (str(values, "to") !== undefined || str(values, "protocol") !== undefined) throw new UsageError("--request names its destination in the URL: leave out --to and --protocol");
  return requestEntry(values, str(values, "request")!);
}

/** The request walked: the answer, whether it reached its backend, and what `explain --request -o json` prints. */
export function requestResult(a: Analysis, entry: RequestEntry): { answer: CheckedAnswer; reached: boolean; document: unknown } {
  const answer = routeResults(a, [entry])[0];
  return { answer, reached: answer.decidedBy === "backend", document: answerData(answer, a.lines) };
}
