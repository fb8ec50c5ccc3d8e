// Front end for the Kubernetes core and workload kinds: Namespace, Node, Pod, Service and the
// controllers whose pod templates become the pods they would create.

import { isAddress, parseAddress, parseCidr, sameAddress, type Address, type Cidr } from "../model/ip.js";
import type { Controller, Endpoint, NodeTunnels, Owner, SecretFile, Service, ServicePort } from "../model/endpoint.js";
import { isProtocol, type NamedPort, type Protocol } from "../model/ports.js";
import type { Labels } from "../model/selector.js";
import type { SourceRef } from "../model/source.js";
import { givenBool, givenString, props, type Field, type NumberRule, type StringRule } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import { checkLabels, isPortName, isPortNumber, isPortOrName, isValidLabel, portNameMessage, readChildPortNumber, readChildProtocol, readLabels, readMeta, readMetadata, readPortNumber, readPortOrName, readProtocol, readAnnotations, dnsLabelError, nonSpecialIPError } from "./k8s.js";
import { NETWORKS_ANNOTATION, readNetworkRequests, type NetworkRequest } from "./multus.js";
import { intern, internNode, runInterner } from "./intern.js";
import { NO_ID, type NewEndpoint, type StateKey, type TemplatePod } from "./builder.js";

export interface PodSpec {
  ports: NamedPort[];
  hostNetwork: boolean;
  nodeName?: string;
  serviceAccount?: string;
  secretFiles: SecretFile[] | undefined;
  proxyContainer?: string;
  /** Its istio-proxy runs as a gateway (router): readContainers. */
  istioRouter?: true;
  /** Its istio-proxy runs as a sidecar (`proxy sidecar`, or beside an application container without `router`): readContainers. */
  istioSidecar?: true;
  /** istiod's container (`discovery`) sets PILOT_SCOPE_GATEWAY_TO_NAMESPACE: its value (readContainers). */
  istiodScopeGatewayToNamespace?: boolean;
  automountToken?: boolean;
  httpProbes: HttpProbe[] | undefined;
}

type HttpProbe = { port: number; path: string };

/** Containers a mesh injects into the pods it proxies (their presence means the pod has a proxy). */
const PROXY_CONTAINERS = ["istio-proxy", "linkerd-proxy"];

/** Annotation keys kept in the model (mesh membership and proxy behaviour); the rest are dropped to save memory. */
const KEPT_ANNOTATION = /^(sidecar\.istio\.io|proxy\.istio\.io|traffic\.sidecar\.istio\.io|istio\.io|ambient\.istio\.io|networking\.istio\.io|linkerd\.io|config\.linkerd\.io|config\.alpha\.linkerd\.io|timeout\.linkerd\.io|retry\.linkerd\.io)\//;

/** Service label keys kept in the model (the ambient waypoint a Service uses, engine/mesh/waypoint.ts). */
const KEPT_SERVICE_LABEL = /^((gateway|experimental)\.)?istio\.io\//;

/** The annotations (or labels) of `keys` the model keeps, or undefined when there are none. */
function meshAnnotations(all: Record<string, string>, keys = KEPT_ANNOTATION): Record<string, string> | undefined {
  // (No entry arrays made: most objects have no such annotation, or none at all.)
  let kept: Record<string, string> | undefined;
  for (const k in all) if (keys.test(k)) (kept ??= {})[k] = all[k];
  return kept;
}

const internAccount = runInterner();
const internIf = (s: string | undefined, intern: (s: string) => string) => (s === undefined ? s : intern(s));
const nonEmpty = (s: string | undefined) => (s === "" ? undefined : s);

/** A pod spec (a Pod's, a controller's template's) as the load reads it; exported for the test that both make the same pod. */
export function readPodSpec(spec: Field): PodSpec {
  // (The spec's fields are read by name (fields.ts props); a field is made only to report.)
  const s = props(spec.value);
  spec.object();
  startPorts();
  podProbes = undefined;
  podProxy = undefined;
  podRouter = undefined;
  podSidecarArgs = podAppContainer = false;
  podPilotScope = undefined;
  readContainers(spec, "containers", s.containers);
  readContainers(spec, "initContainers", s.initContainers);
  return {
    ports: endPorts(),
    hostNetwork: givenBool(spec, "hostNetwork", s.hostNetwork) ?? false,
    nodeName: internIf(givenString(spec, "nodeName", s.nodeName), internNode),
    // Convert_v1_PodSpec_To_core_PodSpec: an empty serviceAccountName takes the deprecated
    // serviceAccount; still empty, the ServiceAccount admission plugin names "default" (undefined
    // here). An empty one was read as an account named "", another principal than default's.
    serviceAccount: internIf(nonEmpty(givenString(spec, "serviceAccountName", s.serviceAccountName)) ?? nonEmpty(givenString(spec, "serviceAccount", s.serviceAccount)), internAccount),
    secretFiles: readSecretFiles(spec, s.volumes),
    proxyContainer: podProxy,
    ...(podRouter ? { istioRouter: podRouter } : {}),
    ...(podProxy === "istio-proxy" && !podRouter && (podSidecarArgs || podAppContainer) ? { istioSidecar: true as const } : {}),
    ...(podPilotScope !== undefined ? { istiodScopeGatewayToNamespace: podPilotScope } : {}),
    automountToken: givenBool(spec, "automountServiceAccountToken", s.automountServiceAccountToken),
    httpProbes: podProbes,
  };
}

/** The httpGet probes and the mesh proxy container of the pod spec readPodSpec reads (readContainers sets them). */
let podProbes: HttpProbe[] | undefined;
let podProxy: string | undefined;
let podRouter: true | undefined;
/** An istio-proxy container run as `proxy sidecar`; a container of `containers` that is not a mesh proxy (an application's). */
let podSidecarArgs = false, podAppContainer = false;
let podPilotScope: boolean | undefined;

/**
 * Go's strconv.ParseBool, which istio's env.Register reads a bool variable with ("1", "t", "T", "TRUE",
 * "true", "True", and the false ones); another value: undefined (pkg/env: "Invalid environment variable
 * value ..., defaulting to" the default).
 */
function goBool(v: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(v)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(v)) return false;
  return undefined;
}

/** The containers (or initContainers: `group`) of a pod spec, `containers` as given: their ports, probes and proxy. */
function readContainers(spec: Field, group: string, containers: unknown): void {
  portsInit = group === "initContainers";
  // (The containers and their ports are looked at raw: a field is made for one only when it has
  // something to report or an httpGet probe to read, as a load reads a million of them.)
  if (!Array.isArray(containers)) {
    spec.childList(group, group === "containers" && spec.present ? REQUIRED : undefined);
    return;
  }
  let list: Field | undefined;
  for (let i = 0; i < containers.length; i++) {
    const c = containers[i] as Record<string, unknown> | null;
    // (A container that is not an object has no name, ports or probes to read: the schema reports it.)
    if (c === null || typeof c !== "object" || Array.isArray(c)) continue;
    const name = c.name;
    if (typeof name === "string" && PROXY_CONTAINERS.includes(name)) {
      podProxy ??= name;
      // pilot-agent's node type, its argument after "proxy" (pilot/pkg/model/context.go NodeType: "sidecar"; "router", "standalone
      // proxies acting as L7/L4 routers": gateways, whose listeners istiod builds with use_remote_address true, gateway.go
      // buildGatewayListeners; "waypoint").
      const args = c.args;
      if (name === "istio-proxy" && Array.isArray(args) && args[0] === "proxy" && args[1] === "router") podRouter = true;
      if (name === "istio-proxy" && Array.isArray(args) && args[0] === "proxy" && args[1] === "sidecar") podSidecarArgs = true;
    } else if (group === "containers") podAppContainer = true;
    // istiod's container (istio-discovery templates/deployment.yaml "- name: discovery", values pilot.env as its env):
    // pilot/pkg/features PILOT_SCOPE_GATEWAY_TO_NAMESPACE, "a gateway workload can only select gateway resources in the same namespace".
    if (name === "discovery" && Array.isArray(c.env)) {
      c.env.forEach((e: unknown, j: number) => {
        const v = e as { name?: unknown; value?: unknown } | null;
        if (v?.name !== "PILOT_SCOPE_GATEWAY_TO_NAMESPACE" || typeof v.value !== "string") return;
        const parsed = goBool(v.value);
        if (parsed === undefined) spec.get(group).get(i).get("env").get(j).get("value").warn("invalid-value", `PILOT_SCOPE_GATEWAY_TO_NAMESPACE ${JSON.stringify(v.value)} is not a Go bool: istiod defaults it to false (pkg/env)`);
        podPilotScope = parsed ?? false;
      });
    }
    const ports = c.ports;
    if (Array.isArray(ports)) {
      let portList: Field | undefined;
      for (let j = 0; j < ports.length; j++) {
        if (!addValidPort(ports[j])) readPort((portList ??= (list ??= spec.get(group)).get(i).get("ports")).get(j));
      }
    } else if (ports !== undefined && ports !== null) (list ??= spec.get(group)).get(i).childList("ports");
    if (hasHttpGet(c)) podProbes = containerProbes((list ??= spec.get(group)).get(i), podProbes);
  }
}

/** A container port read through its field: what it reports, and the port when it has a valid number. */
function readPort(p: Field): void {
  portsClean = false;
  const port = readChildPortNumber(p, "containerPort");
  const protocol = readPortProtocol(p);
  // An empty name is none: validateContainerPorts checks a name only when len(port.Name) > 0.
  const given = p.childString("name"), name = given === "" ? undefined : given;
  if (name !== undefined && !isPortName(name)) p.get("name").error("invalid-port", portNameMessage(name));
  // validateContainerPorts: a hostPort of 0 is none, any other is a port number.
  // (What is no int32 the decoding refuses, schema/: reported once, there.)
  const rawHost = p.raw("hostPort");
  const hostPort = typeof rawHost !== "number" || rawHost === 0 || rawHost < -2147483648 || rawHost > 2147483647 ? undefined : readChildPortNumber(p, "hostPort", false);
  const ipText = p.childString("hostIP");
  // (The API server does not check hostIP; the portmap plugin cannot forward to an address it does not parse.)
  const hostIP = hostPort === undefined || ipText === undefined || ipText === "" ? undefined : parseAddress(ipText);
  if (hostPort !== undefined && ipText && !hostIP) p.get("hostIP").warn("invalid-ip", `${JSON.stringify(ipText)} is not an IP address: the CNI portmap plugin forwards hostPort ${hostPort} from no address`);
  if (port !== undefined) addPort(name, port, protocol, hostPort, hostIP, ipText !== undefined && ipText !== "" && !hostIP);
}

/**
 * A container's or a Service's port protocol: an empty one is TCP (SetDefaults_ContainerPort and
 * SetDefaults_Service, pkg/apis/core/v1/defaults.go), else what readChildProtocol reads.
 */
function readPortProtocol(p: Field): Protocol {
  return p.raw("protocol") === "" ? "TCP" : readChildProtocol(p, "protocol");
}

/** Adds a container port that readPort would read without a report (an object whose fields are all valid); false for any other. */
function addValidPort(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const { containerPort: port, protocol, name, hostPort: givenHost, hostIP: givenIP } = value as Record<string, unknown>;
  const noHost = givenHost === undefined || givenHost === null || givenHost === 0;
  // (The same as the last list's port at this place, read without a report: valid, and nothing made
  // or matched again: a workload's pods repeat their ports.)
  if (newPorts === undefined && lastPortsClean) {
    const last = lastPorts[samePorts];
    if (last !== undefined && last.port === port && last.init === initOf(name)
      && (last.name === name || (last.name === undefined && (name === undefined || name === null || name === "")))
      && (last.protocol === protocol || (last.protocol === "TCP" && (protocol === undefined || protocol === null || protocol === "")))
      && (noHost ? last.hostPort === undefined : last.hostPort === givenHost && sameHostIP(last.hostIP, givenIP))) {
      samePorts++;
      return true;
    }
  }
  if (!isPortNumber(port)) return false;
  if (protocol !== undefined && protocol !== null && protocol !== "" && !isProtocol(protocol)) return false;
  if (name !== undefined && name !== null && name !== "" && (typeof name !== "string" || !isPortName(name))) return false;
  let hostIP: Address | undefined;
  if (!noHost) {
    if (!isPortNumber(givenHost)) return false;
    if (givenIP !== undefined && givenIP !== null && givenIP !== "" && (typeof givenIP !== "string" || !(hostIP = parseAddress(givenIP)))) return false;
  } else if (givenIP !== undefined && givenIP !== null && typeof givenIP !== "string") return false;
  addPort(typeof name === "string" && name !== "" ? name : undefined, port, isProtocol(protocol) ? protocol : "TCP", noHost ? undefined : givenHost as number, hostIP);
  return true;
}

/** Whether a port's hostIP (read) is the one given (raw, valid): both none, or the same address. */
function sameHostIP(a: Address | undefined, given: unknown): boolean {
  if (given === undefined || given === null || given === "") return a === undefined;
  const b = typeof given === "string" ? parseAddress(given) : undefined;
  return a !== undefined && b !== undefined && sameAddress(a, b);
}

/** Whether a container (an object) has an httpGet probe for containerProbes to read. */
function hasHttpGet(c: Record<string, unknown>): boolean {
  // (Each probe read by name: PROBES.)
  return isHttpGet(c.livenessProbe) || isHttpGet(c.readinessProbe) || isHttpGet(c.startupProbe);
}

/** Whether a probe (as given) is an object with an httpGet. */
function isHttpGet(probe: unknown): boolean {
  if (probe === null || typeof probe !== "object" || Array.isArray(probe)) return false;
  const httpGet = (probe as Record<string, unknown>).httpGet;
  return httpGet !== undefined && httpGet !== null;
}

/** The last list of ports read (the model shares it: nothing changes an endpoint's ports or port objects in place). */
let lastPorts: readonly NamedPort[] = [];
/** The ports of the pod being read: the first `samePorts` are lastPorts' (and are not copied), then `newPorts`, if any. */
let samePorts = 0;
let newPorts: NamedPort[] | undefined;
/** Every port of the pod being read went through addValidPort (none through readPort, which may report); lastPortsClean: so did lastPorts'. */
let portsClean = true;
let lastPortsClean = false;

/**
 * The ports read for a pod or a template are the last list read when equal (a workload's pods, and
 * its template, come in a row with the same ports: 100k pods keep about 20k lists instead of 100k,
 * and their port objects), else an exact-size list (an array grown by push reserves 17 slots).
 * Each port is compared with the last list's as it is read: no port object or list is made for
 * ports that are the same.
 */
function startPorts(): void {
  samePorts = 0;
  newPorts = undefined;
  portsClean = true;
}

/** `invalidIP`: the hostIP given is no address (NamedPort.hostIPInvalid). */
function addPort(name: string | undefined, port: number, protocol: Protocol, givenHost?: number, givenIP?: Address, invalidIP = false): void {
  const init = initOf(name);
  // The kubelet maps the hostPorts of regular containers only (kuberuntime generatePodSandboxConfig: pod.Spec.Containers).
  const hostPort = portsInit ? undefined : givenHost, hostIP = hostPort === undefined ? undefined : givenIP;
  const hostIPInvalid = hostPort !== undefined && invalidIP ? true : undefined;
  if (newPorts === undefined) {
    const last = lastPorts[samePorts];
    if (last !== undefined && last.name === name && last.port === port && last.protocol === protocol && last.init === init
      && last.hostPort === hostPort && last.hostIPInvalid === hostIPInvalid
      && (last.hostIP === hostIP || (last.hostIP !== undefined && hostIP !== undefined && sameAddress(last.hostIP, hostIP)))) { samePorts++; return; }
    newPorts = lastPorts.slice(0, samePorts);
  }
  const p: NamedPort = init ? { name, port, protocol, init } : { name, port, protocol };
  if (hostPort !== undefined) { p.hostPort = hostPort; if (hostIP) p.hostIP = hostIP; if (hostIPInvalid) p.hostIPInvalid = true; }
  newPorts.push(p);
}

/** Whether the ports being read are an init container's (readPodSpec). */
let portsInit = false;
/** A port's `init` mark: on a named port of an init container (Cilium resolves no name to it: model/ports.ts ciliumNamedPorts). */
const initOf = (name: unknown): true | undefined => (portsInit && typeof name === "string" && name !== "" ? true : undefined);

function endPorts(): NamedPort[] {
  if (newPorts !== undefined) lastPorts = newPorts.slice();
  else if (samePorts !== lastPorts.length) lastPorts = lastPorts.slice(0, samePorts);
  newPorts = undefined;
  lastPortsClean = portsClean;
  return lastPorts as NamedPort[];
}

/**
 * The last pod labels read, and their keys in order (the model shares them: nothing changes a pod's
 * labels in place); clean: readLabels reported nothing when it read them.
 */
let lastLabels: Labels = {};
let lastKeys: readonly string[] = [];
/** lastLabels' values in lastKeys' order (compared by place: one object's keyed reads serve every key and shape of labels). */
let lastValues: readonly string[] = [];
let lastClean = false;

/**
 * A pod's (or template's) labels, metadata.labels of `md`: the last ones read when they are the
 * same keys in the same order with the same values (a ReplicaSet's pods, and its template, come in
 * a row with the same labels), else what readLabels reads. Labels that were read without a report
 * and come again are taken as they are, before anything is made: the same keys and values report
 * nothing again.
 */
function sharedLabels(md: Field): Labels {
  if (lastClean) {
    const m = props(md.value), given = m.labels;
    const differ = differsFromLast(given);
    if (differ === 0) return lastLabels;
    if (differ > 0) {
      const labels = relabelled(given as Record<string, string>, m.name);
      if (labels !== undefined) return labels;
    }
  }
  const diags = md.ctx.diags.items, before = diags.length;
  const labels = readLabels(md.get("labels"));
  const clean = diags.length === before;
  if (differsFromLast(labels) === 0) { lastClean ||= clean; return lastLabels; }
  lastLabels = labels;
  lastKeys = Object.keys(labels);
  lastValues = Object.values(labels);
  lastClean = clean;
  return labels;
}

/**
 * How many values of `labels` (as given) differ from lastLabels' when they are an object of strings
 * with lastLabels' keys in the same order; -1 when they are not.
 */
function differsFromLast(labels: unknown): number {
  if (labels === null || typeof labels !== "object" || Array.isArray(labels)) return -1;
  let k = 0, differ = 0;
  for (const key in labels as Record<string, unknown>) {
    if (lastKeys[k] !== key) return -1;
    const v = (labels as Record<string, unknown>)[key];
    if (lastValues[k] !== v) {
      if (typeof v !== "string") return -1;
      differ++;
    }
    k++;
  }
  return k === lastKeys.length ? differ : -1;
}

/**
 * Labels with lastLabels' keys (read without a report: valid) and some other values (a StatefulSet's
 * pods differ in statefulset.kubernetes.io/pod-name), each checked as readLabels checks it: a copy of
 * lastLabels with those values (made in one step with lastLabels' shape, not key by key), interned,
 * but for a value that is the object's own name, which repeats nowhere: its name's string is kept
 * (one string for both, no entry in the intern table). Undefined when one is invalid (readLabels
 * then reports it). The result is the new lastLabels.
 */
function relabelled(given: Record<string, string>, name: unknown): Labels | undefined {
  // (given has lastKeys in their order: differsFromLast. Values are compared by place: lastValues.)
  let k = 0;
  for (const key in given) {
    const v = given[key];
    if (lastValues[k++] !== v && !isValidLabel(key, v)) return undefined;
  }
  const labels = { ...lastLabels }, values = lastValues.slice();
  k = 0;
  for (const key in given) {
    const v = given[key];
    if (values[k] !== v) labels[key] = values[k] = v === name ? (name as string) : intern(v);
    k++;
  }
  lastLabels = labels;
  lastValues = values;
  return labels;
}

const CONTAINER_LISTS = ["containers", "initContainers"];
const REPLICAS = { min: 0 };
const REQUIRED = { required: true };
const PROBES = ["livenessProbe", "readinessProbe", "startupProbe"];

/** A container's httpGet probes (added to `out`): the port (a number, or one of its TCP port names in any case) and the path without query. */
function containerProbes(c: Field, out: HttpProbe[] | undefined): HttpProbe[] | undefined {
  for (const k of PROBES) {
    // (Looked at without making fields first: most containers have no httpGet probe.)
    const probe = c.raw(k);
    const httpGet = probe !== null && typeof probe === "object" && !Array.isArray(probe) ? (probe as Record<string, unknown>).httpGet : undefined;
    if (httpGet === undefined || httpGet === null) continue;
    const get = c.get(k).get("httpGet");
    const raw = get.get("port").value;
    const named = typeof raw === "string" ? (c.get("ports").list() ?? []).find((p) => (p.get("protocol").value ?? "TCP") === "TCP" && String(p.get("name").value ?? "").toLowerCase() === raw.toLowerCase()) : undefined;
    const port = typeof raw === "number" ? raw : named ? Number(named.get("containerPort").value) : NaN;
    const path = (typeof get.get("path").value === "string" ? String(get.get("path").value) : "/").split("?")[0];
    if (Number.isInteger(port) && port > 0 && port <= 65535) (out ??= []).push({ port, path });
  }
  return out;
}

/**
 * The pod a pod spec makes: a Pod's (`ready` its status says) and a controller template's stand-in
 * (`ready` TEMPLATE: no status, marked fromTemplate) alike, so that whatever readPodSpec reads
 * reaches both (one path: the template copied the spec's fields by hand, and its stand-in left
 * nodeName out). Each literal is one shape, its fields in the object, none added after it is made
 * but withPodFacts' optional ones.
 */
function specPod(spec: PodSpec, name: string, namespace: string | undefined, labels: Labels, addresses: Address[], owner: Owner | undefined,
  ready: boolean | undefined | typeof TEMPLATE, src: SourceRef | undefined, annotations: Record<string, string>, requests: NetworkRequest[]): NewEndpoint {
  return withPodFacts(ready === TEMPLATE
    ? { kind: "pod", name, namespace, labels, addresses, ports: spec.ports, owner, nodeName: spec.nodeName, hostNetwork: spec.hostNetwork, serviceAccount: spec.serviceAccount, fromTemplate: true, src, id: NO_ID }
    : { kind: "pod", name, namespace, labels, addresses, ports: spec.ports, owner, nodeName: spec.nodeName, hostNetwork: spec.hostNetwork, serviceAccount: spec.serviceAccount, ready, src, id: NO_ID },
  spec, annotations, requests);
}

/** specPod's `ready` for a template's stand-in. */
const TEMPLATE = Symbol("template");

/**
 * A pod's optional fields, set only when present (most pods have none): its Secret files, the
 * mesh-related fields, the secondary networks it asks for (its Multus annotation; sources/networks.ts
 * checks them). Set on the pod in place, in that order (no object made per part).
 */
function withPodFacts<E extends NewEndpoint>(pod: E, spec: PodSpec, annotations: Record<string, string>, requests: NetworkRequest[]): E {
  if (spec.secretFiles) pod.secretFiles = spec.secretFiles;
  const kept = meshAnnotations(annotations);
  if (kept) pod.annotations = kept;
  if (spec.proxyContainer) pod.proxyContainer = spec.proxyContainer;
  if (spec.istioRouter) pod.istioRouter = true;
  if (spec.istioSidecar) pod.istioSidecar = true;
  if (spec.automountToken === false) pod.automountToken = false;
  if (spec.httpProbes) pod.httpProbes = spec.httpProbes;
  if (requests.length) pod.attachments = requests;
  return pod;
}

/** The secondary networks a pod's (or template's) metadata `md` asks for: its Multus annotation, read (and reported) by readNetworkRequests. */
function networkRequests(md: Field): NetworkRequest[] {
  // (An absent or null annotation reads as none, with nothing to report: no fields made for it.)
  // (An annotation that is no string readAnnotations reported, where the pod's or template's metadata
  // is read: reading it again reported it twice.)
  const text = props(props(md.value).annotations)[NETWORKS_ANNOTATION];
  return typeof text !== "string" ? NO_REQUESTS : readNetworkRequests(md.get("annotations").get(NETWORKS_ANNOTATION));
}

/** No secondary networks (frozen: withPodFacts keeps a list only when it has some). */
const NO_REQUESTS = Object.freeze([]) as unknown as NetworkRequest[];

/**
 * A controller's template as the load keeps it (builder.ts TemplatePod): the controller, its own
 * controller, and its stand-in pod, made only when the input holds none of its pods
 * (addTemplatePods) from what the template reads into (its labels, its spec as readPodSpec read it,
 * its annotations and secondary networks) by the pod front end's own specPod, not a pod and an
 * owner per controller.
 */
class Template implements TemplatePod {
  constructor(readonly controller: Controller, readonly parent: Owner | undefined, readonly labels: Labels, readonly spec: PodSpec, readonly annotations: Record<string, string>, readonly requests: NetworkRequest[]) {}

  /** The stand-in pod is made by make(). */
  get pod(): Template { return this; }

  get serviceAccount(): string | undefined { return this.spec.serviceAccount; }

  make(c: Controller): NewEndpoint {
    return specPod(this.spec, c.name, c.namespace, this.labels, NO_ADDRESSES, { kind: c.kind, name: c.name }, TEMPLATE, c.src, this.annotations, this.requests);
  }
}

/** Secret volumes: volume name → the Secret and its files (key → path; every key when items is unset, seen as tls.crt etc.). */
function secretVolumes(spec: Field): Map<string, { secret: string; items?: { key: string; path: string }[] }> {
  const out = new Map<string, { secret: string; items?: { key: string; path: string }[] }>();
  for (const v of spec.get("volumes").list() ?? []) {
    const name = v.get("name").string();
    const secret = v.get("secret").get("secretName").string();
    if (name === undefined || secret === undefined) continue;
    const items = v.get("secret").get("items").list()?.flatMap((i) => {
      const [key, path] = [i.get("key").string(), i.get("path").string()];
      return key !== undefined && path !== undefined ? [{ key, path }] : [];
    });
    out.set(name, { secret, items });
  }
  return out;
}

/** The files the containers see from Secret volumes (the keys of a whole-Secret volume are assumed to be tls.crt, tls.key, ca.crt). */
function readSecretFiles(spec: Field, given: unknown): SecretFile[] | undefined {
  const out: SecretFile[] = [];
  // (No volumes (`given`: spec.volumes as given): nothing to read or report, and no map made.)
  if (given === undefined || given === null) return undefined;
  const volumes = secretVolumes(spec);
  if (!volumes.size) return undefined;
  for (const c of spec.get("containers").list() ?? []) {
    const env = new Set((c.get("env").list() ?? []).flatMap((e) => e.get("value").string() ?? []));
    for (const m of c.get("volumeMounts").list() ?? []) {
      const vol = volumes.get(m.get("name").string() ?? "");
      const dir = m.get("mountPath").string();
      if (!vol || dir === undefined) continue;
      const items = vol.items ?? ["tls.crt", "tls.key", "ca.crt"].map((key) => ({ key, path: key }));
      for (const i of items) {
        const path = `${dir.replace(/\/+$/, "")}/${i.path}`;
        out.push({ secret: vol.secret, key: i.key, path, named: env.has(path) });
      }
    }
  }
  return out.length ? out : undefined;
}

/** Whether a Pod's status says it serves: Running and not marked unready (a Pod without status is assumed to). */
function readReady(status: Field, st: Readonly<Record<string, unknown>>): boolean | undefined {
  if (!status.object()) return undefined;
  const phase = givenString(status, "phase", st.phase);
  if (phase !== undefined && phase !== "Running") return false;
  // (Looked at raw: a pod has several conditions, each read through a field only when it has something
  // to report. As a field read: the conditions up to the first Ready one, its status.)
  const conditions = st.conditions;
  if (!Array.isArray(conditions)) {
    if (conditions !== undefined && conditions !== null) status.childList("conditions");
    return undefined;
  }
  for (let i = 0; i < conditions.length; i++) {
    const c = conditions[i] as Record<string, unknown> | null;
    if (c === null || typeof c !== "object" || Array.isArray(c)) continue;
    const type = c.type;
    if (type === "Ready") return typeof c.status === "string" ? c.status === "True" : status.get("conditions").get(i).childString("status") === "True";
    if (type !== undefined && type !== null && typeof type !== "string") status.get("conditions").get(i).childString("type");
  }
  return undefined;
}

export function readAddresses(fields: Field[]): Address[] {
  const out = new AddressList();
  for (const f of fields) out.add(f);
  return out.list;
}

/**
 * Address fields read in order, each once: a field, or (without making it unless it reports) the
 * field `key` of a parent.
 */
class AddressList {
  // Exact size, as readPodSpec's ports, made without a grown list to copy (most have one address).
  list: Address[] = NO_ADDRESSES;
  // The last string read into the list (a pod's podIP is its podIPs[0].ip): the same string again gives the same address, kept once.
  last: string | undefined;

  add(parent: Field, key?: string): void {
    this.use(parent, key === undefined ? parent.string() : parent.childString(key), key);
  }

  /** add(parent, key), `v` the value parent.raw(key) gives (read by name: fields.ts props). */
  addGiven(parent: Field, key: string, v: unknown): void {
    this.use(parent, givenString(parent, key, v), key);
  }

  /** Adds `s`, the string read from the field (or parent's field `key`). */
  private use(parent: Field, s: string | undefined, key?: string): void {
    if (s === undefined || s === "" || s === this.last) return;
    const a = readAddress(parent, s, key);
    if (a) { this.last = s; if (!this.has(a)) this.list = this.list.length ? this.list.concat([a]) : [a]; }
  }

  private has(a: Address): boolean {
    // (Indexed: a for-of over the frozen empty list is not inlined, and makes an iterator.)
    const list = this.list;
    for (let i = 0; i < list.length; i++) if (sameAddress(list[i], a)) return true;
    return false;
  }
}

/** The addresses of an endpoint that has none (frozen: nothing changes an endpoint's addresses in place). */
const NO_ADDRESSES = Object.freeze([]) as unknown as Address[];

/** One address field (`f`, or its field `key`): undefined (with an error) when it is not an IP address; `s` is its string, read. */
function readAddress(f: Field, s: string, key?: string): Address | undefined {
  const a = parseAddress(s);
  if (!a) (key === undefined ? f : f.get(key)).error("invalid-ip", `${JSON.stringify(s)} is not a valid IP address`);
  return a;
}

/** Whether a value reads as a string, or as none (Field.childString reports nothing for it). */
function isStringOrNone(v: unknown): boolean {
  return v === undefined || v === null || typeof v === "string";
}

/** The last owner readOwner gave (the model shares it: nothing changes an owner in place). */
let lastOwner: Owner | undefined;

/** The controlling owner from ownerReferences (controller: true), as np-guard and kubectl read it. */
export function readOwner(md: Field): Owner | undefined {
  // (Looked at raw: a reference is read through a field only when it has something to report.)
  const refs = props(md.value).ownerReferences;
  if (!Array.isArray(refs)) {
    if (refs !== undefined && refs !== null) md.childList("ownerReferences");
    return undefined;
  }
  let list: Field | undefined;
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i];
    if (r === null || typeof r !== "object" || Array.isArray(r)) continue;
    const { controller, name: givenName, kind: givenKind } = r as Record<string, unknown>;
    let name: string | undefined, kind: string;
    if (controller === true && isStringOrNone(givenName) && isStringOrNone(givenKind)) {
      name = typeof givenName === "string" ? givenName : undefined;
      kind = (typeof givenKind === "string" && givenKind) || "Pod";
    } else {
      if (controller === undefined || controller === null || controller === false) continue;
      const f = (list ??= md.get("ownerReferences")).get(i);
      if (f.childBool("controller") !== true) continue;
      name = f.childString("name");
      kind = f.childString("kind") || "Pod";
    }
    if (name && kind !== "Node") {
      // (The last owner read again, as a workload's pods come in a row: one object for them all. Its
      // name is not interned: one string per run of pods, and a controller's parent is named once.)
      if (lastOwner?.kind !== kind || lastOwner.name !== name) lastOwner = { kind, name };
      return lastOwner;
    }
  }
  return undefined;
}


const namespaceFrontEnd: FrontEnd = {
  kind: "Namespace", apiVersions: ["v1"], namespaced: false,
  read(root, ctx, b) {
    const meta = readMeta(root, false);
    if (!meta) return;
    const err = dnsLabelError(meta.name);
    if (err) root.get("metadata").get("name").error("invalid-name", err);
    // The API server always sets this label.
    const labels = { ...meta.labels, "kubernetes.io/metadata.name": meta.name };
    if (b.inv.namespaces.has(meta.name)) ctx.warn([], "duplicate", `namespace ${meta.name} is defined more than once; the last definition wins`);
    b.inv.namespaces.set(meta.name, { name: meta.name, labels, annotations: meshAnnotations(meta.annotations), implicit: false, src: ctx.ref });
  },
};

/**
 * Host-network pods without addresses of their own (no `status`: a manifest with `nodeName`) and the
 * node addresses they take once every node is read: the kubelet reports a host-network pod's
 * `podIPs` as its node's `GetNodeHostIPs` (pkg/util/node: the first InternalIP, else ExternalIP, and
 * the first of the other family after it).
 */
const HOST_NETWORK: StateKey<{ hostIPs: Map<string, Address[]>; pods: Endpoint[] }> = {
  make: () => ({ hostIPs: new Map(), pods: [] }),
  settle(s) {
    for (const e of s.pods) { const ips = s.hostIPs.get(e.nodeName!); if (ips) e.addresses = ips; }
  },
};

/**
 * GetNodeHostIPs: of the node's InternalIPs, then ExternalIPs (its addresses as the Node front end
 * read them, in that order), the first, and the first of the other family.
 */
function nodeHostIPs(all: readonly Address[]): Address[] {
  if (!all.length) return [];
  const other = all.find((ip) => ip.family !== all[0].family);
  return other ? [all[0], other] : [all[0]];
}

/** The Node annotations calico-node writes its tunnel addresses to (libcalico-go KDD node conversion), by NodeTunnels field. */
const TUNNEL_ANNOTATIONS = { ipip: "projectcalico.org/IPv4IPIPTunnelAddr", vxlan: "projectcalico.org/IPv4VXLANTunnelAddr", vxlanV6: "projectcalico.org/IPv6VXLANTunnelAddrV6" } as const;

/** The Node annotations calico-node writes its BGP address with its subnet to (`10.0.0.1/24`), by family. */
const BGP_ANNOTATIONS = { 4: "projectcalico.org/IPv4Address", 6: "projectcalico.org/IPv6Address" } as const;

/** BGP_ANNOTATIONS and TUNNEL_ANNOTATIONS as lists, made once (a Node's reading made them per Node). */
const BGP_KEYS = [[4, BGP_ANNOTATIONS[4]], [6, BGP_ANNOTATIONS[6]]] as const;
const TUNNEL_KEYS = Object.entries(TUNNEL_ANNOTATIONS) as [keyof typeof TUNNEL_ANNOTATIONS, string][];

/**
 * A Node's Calico tunnel addresses and BGP address with subnet (an annotation that is no address, or
 * no address/prefix, of its family: a warning, and none). `md`: the Node's metadata field (its
 * annotations' field is made only to warn).
 */
function readTunnels(md: Field, annotations: Record<string, string>): NodeTunnels | undefined {
  let out: NodeTunnels | undefined;
  for (let i = 0; i < BGP_KEYS.length; i++) {
    const [family, key] = BGP_KEYS[i], text = annotations[key];
    if (text === undefined || text === "") continue;
    const slash = text.indexOf("/");
    const a = slash > 0 ? parseAddress(text.slice(0, slash)) : undefined, subnet = a && parseCidr(text);
    if (a && subnet && a.family === family) {
      const t: NodeTunnels = out ??= {};
      if (family === 4) { t.bgpV4 = a; t.subnetV4 = subnet; } else { t.bgpV6 = a; t.subnetV6 = subnet; }
    }
    else md.get("annotations").get(key).warn("invalid-ip", `${JSON.stringify(text)} is not an IPv${family} address with its prefix length: the node's Calico subnet (CrossSubnet encapsulation) is read as unknown`);
  }
  for (let i = 0; i < TUNNEL_KEYS.length; i++) {
    const [field, key] = TUNNEL_KEYS[i], text = annotations[key];
    if (text === undefined || text === "") continue;
    const a = parseAddress(text);
    if (a && a.family === (field === "vxlanV6" ? 6 : 4)) (out ??= {})[field] = a;
    else md.get("annotations").get(key).warn("invalid-ip", `${JSON.stringify(text)} is not an IPv${field === "vxlanV6" ? 6 : 4} address: the node's Calico tunnel address is read as unknown`);
  }
  return out;
}

/**
 * A Node's spec.podCIDRs, else spec.podCIDR (the API server keeps podCIDR as podCIDRs[0]): what is no
 * CIDR is left out (schema/semantic.ts nodeCidrs reports it).
 */
function nodePodCIDRs(spec: unknown): Cidr[] {
  const { podCIDRs: list, podCIDR: one } = props(spec);
  const out: Cidr[] = [];
  if (Array.isArray(list) && list.length) {
    for (let i = 0; i < list.length; i++) {
      const t = list[i], c = typeof t === "string" ? parseCidr(t) : undefined;
      if (c) out.push(c);
    }
  } else if (typeof one === "string" && one !== "") {
    const c = parseCidr(one);
    if (c) out.push(c);
  }
  return out;
}

/**
 * A Node's status.addresses, its InternalIPs, then its ExternalIPs (GetNodeHostIPs' order: the
 * address the node's own traffic (kube-proxy's masquerade, probes) comes from in the cluster,
 * whatever order the status lists them in), each as readAddresses reads it; looked at raw, an
 * address's field made only for those of the two types.
 */
function nodeAddresses(status: Field): Address[] {
  const given = status.raw("addresses");
  if (!Array.isArray(given)) {
    status.childList("addresses");
    return NO_ADDRESSES;
  }
  const out = new AddressList();
  let list: Field | undefined;
  for (let k = 0; k < NODE_ADDRESS_TYPES.length; k++) {
    for (let i = 0; i < given.length; i++) {
      const a = given[i];
      if (a === null || typeof a !== "object" || Array.isArray(a) || (a as Record<string, unknown>).type !== NODE_ADDRESS_TYPES[k]) continue;
      out.add((list ??= status.get("addresses")).get(i), "address");
    }
  }
  return out.list;
}

const NODE_ADDRESS_TYPES = ["InternalIP", "ExternalIP"];

const nodeFrontEnd: FrontEnd = {
  kind: "Node", apiVersions: ["v1"], namespaced: false,
  read(root, ctx, b) {
    const md = root.get("metadata");
    const meta = readMetadata(md, false);
    if (!meta) return;
    const addresses = nodeAddresses(root.get("status"));
    const tunnels = readTunnels(md, meta.annotations);
    const podCIDRs = nodePodCIDRs(root.raw("spec"));
    // (Literals, not spreads of optional parts: the same fields in the same order, without an object per part.)
    const { name, labels } = meta, src = ctx.ref;
    b.addEndpoint(tunnels
      ? podCIDRs.length ? { kind: "node", name, labels, addresses, ports: [], tunnels, podCIDRs, src, id: NO_ID } : { kind: "node", name, labels, addresses, ports: [], tunnels, src, id: NO_ID }
      : podCIDRs.length ? { kind: "node", name, labels, addresses, ports: [], podCIDRs, src, id: NO_ID } : { kind: "node", name, labels, addresses, ports: [], src, id: NO_ID });
    // (From the addresses read once: they were parsed a second time from the status.)
    const host = nodeHostIPs(addresses);
    if (host.length) b.state(HOST_NETWORK).hostIPs.set(meta.name, host);
  },
};

const podFrontEnd: FrontEnd = {
  kind: "Pod", apiVersions: ["v1"], namespaced: true,
  read(root, ctx, b) {
    const md = root.get("metadata");
    const meta = readMetadata(md, true, sharedLabels);
    const spec = readPodSpec(root.get("spec"));
    if (!meta) return;
    if (spec.istiodScopeGatewayToNamespace !== undefined) b.inv.mesh.settings.istioScopeGatewayToNamespace = spec.istiodScopeGatewayToNamespace;
    // (The status's fields are read by name: fields.ts props.)
    const status = root.get("status"), st = props(status.value);
    // A finished pod has no network presence: its address may already belong to another pod.
    const phase = st.phase;
    if (phase === "Succeeded" || phase === "Failed") {
      ctx.info(["status", "phase"], "finished-pod", `pod ${meta.namespace}/${meta.name} is ${phase}: it takes no part in the analysis`);
      return;
    }
    const ips = new AddressList();
    const podIP = st.podIP;
    ips.addGiven(status, "podIP", podIP);
    readStatusIPs(status, "podIP", "podIPs", typeof podIP === "string" ? podIP : undefined, st.podIPs, ips);
    let addresses = ips.list;
    // (Read as readAddresses reads one field, without its lists: a pod's own addresses are what most
    // pods use. Parsed for the pod that uses it, a host-network pod without addresses of its own;
    // only checked for the others.)
    const hostText = givenString(status, "hostIP", st.hostIP);
    const useHost = spec.hostNetwork && addresses.length === 0;
    const hostIP = hostText === undefined || hostText === "" || (!useHost && isAddress(hostText)) ? undefined : readAddress(status, hostText, "hostIP");
    // hostIPs as podIPs (readStatusIPs): the list read after hostIP for a host-network pod that uses
    // it, dropped when its head differs.
    const hostIPs = st.hostIPs;
    if (useHost) addresses = hostIP ? [hostIP] : NO_ADDRESSES;
    if (hostIPs !== undefined && hostIPs !== null) {
      const host = useHost ? new AddressList() : undefined;
      if (host && hostIP) host.add(status, "hostIP");
      if (readStatusIPs(status, "hostIP", "hostIPs", hostText, hostIPs, host)) addresses = host!.list;
    }
    // (Made with its source and id, set by addEndpoint, in its literal: every pod one shape, its
    // fields in the object, none added after it is made.)
    const facts = specPod(spec, meta.name, meta.namespace, meta.labels, addresses, readOwner(md), readReady(status, st), ctx.ref, meta.annotations, networkRequests(md));
    // (A pod being deleted keeps serving until it stops: the EndpointSlice controller marks it terminating.)
    const deleted = props(md.value).deletionTimestamp;
    if (deleted !== undefined && deleted !== null) facts.terminating = true;
    // A pod mapping a hostPort: its node's address (the portmap DNAT is there, whether or not the input has the Node).
    if (!spec.hostNetwork && hostText && spec.ports.some((p) => p.hostPort !== undefined)) {
      const a = hostIP ?? parseAddress(hostText);
      if (a) facts.hostIP = a;
    }
    const pod = b.addEndpoint(facts);
    // A host-network pod scheduled (nodeName) but without a status: its node's addresses (HOST_NETWORK).
    if (useHost && !addresses.length && spec.nodeName) b.state(HOST_NETWORK).pods.push(pod);
  },
};

/**
 * A pod status's list of addresses after its single one (podIPs after podIP, hostIPs after hostIP;
 * `text` the single one's string, `given` the list as given), as Convert_v1_PodStatus_To_core_PodStatus
 * (pkg/apis/core/v1/conversion.go) keeps them: "If both fields (v1.PodIPs and v1.PodIP) are provided
 * and differ, then PodIP is authoritative" (and so for v1.HostIPs and v1.HostIP) — the API server
 * keeps the single one and drops the list (as Convert_v1_NodeSpec_To_core_NodeSpec does
 * podCIDR/podCIDRs): a warning. Else the list's addresses are read into `ips` (which holds the single
 * one's) when it is given: true then.
 */
function readStatusIPs(status: Field, single: "podIP" | "hostIP", key: "podIPs" | "hostIPs", text: string | undefined, given: unknown, ips: AddressList | undefined): boolean {
  const head = Array.isArray(given) && given.length ? given[0] : undefined;
  const headIP = head !== null && typeof head === "object" && !Array.isArray(head) ? (head as Record<string, unknown>).ip : undefined;
  if (text !== undefined && text !== "" && head !== undefined && headIP !== text) {
    status.get(key).warn(single === "podIP" ? "pod-ips-mismatch" : "host-ips-mismatch", `status.${key}[0].ip (${JSON.stringify(headIP ?? null)}) differs from status.${single} (${JSON.stringify(text)}): the API server keeps ${single} alone and drops ${key} (Convert_v1_PodStatus_To_core_PodStatus), and so does Junction`);
  } else if (Array.isArray(given)) {
    if (!ips) return false;
    // (Looked at raw: an item is read through a field only when it may add or report something;
    // podIPs[0] is podIP, the only one of most pods.)
    let list: Field | undefined;
    for (let i = 0; i < given.length; i++) {
      const p = given[i];
      const ip = p !== null && typeof p === "object" && !Array.isArray(p) ? (p as Record<string, unknown>).ip : undefined;
      if (ip !== undefined && ip !== null && ip !== "" && ip !== ips.last) ips.add((list ??= status.get(key)).get(i), "ip");
    }
    return true;
  } else if (given !== undefined && given !== null) status.childList(key);
  return false;
}

/** A controller kind and where its pod template lives. */
function controllerFrontEnd(kind: string, apiVersions: string[], templatePath: string[]): FrontEnd {
  return {
    kind, apiVersions, namespaced: true,
    read(root, ctx, b) {
      // (The controller's own labels are checked, not kept: its pods' labels are its template's.)
      const own = root.get("metadata");
      const meta = readMetadata(own, true, checkLabels);
      // ValidateCronJobCreate: its Jobs' names add 11 characters to a DNS-1035 label's 63.
      if (kind === "CronJob" && meta && meta.name.length > 52) own.get("name").error("invalid-name", `${JSON.stringify(meta.name)} is longer than 52 characters: a CronJob's name must be no more than 52 characters (the API server's ValidateCronJobCreate)`);
      // ValidateStatefulSetName: a DNS-1123 label ("we used to allow DNS subdomain for name, but that
      // can't actually create pods": its pods are NAME-ORDINAL, their hostname).
      const setErr = kind === "StatefulSet" && meta ? dnsLabelError(meta.name) : undefined;
      if (setErr) own.get("name").error("invalid-name", `${setErr}: a StatefulSet's name is a DNS-1123 label (the API server's ValidateStatefulSetName)`);
      // job strategy generateSelector: without manualSelector the API server labels the template
      // job-name: NAME, and a label value is at most 63 characters, so it refuses the Job
      // (spec.template.labels: "must be no more than 63 characters").
      if (kind === "Job" && meta && meta.name.length > 63 && (root.get("spec").raw("manualSelector") !== true)) own.get("name").error("invalid-name", `${JSON.stringify(meta.name)} is longer than 63 characters: without manualSelector: true the API server labels the Job's template job-name: NAME, a label value of at most 63 characters, and refuses the Job`);
      // (The path starts at spec, whose field is made once: replicas is read from it too.)
      const spec = root.get("spec");
      let template = spec;
      for (let i = 1; i < templatePath.length; i++) template = template.get(templatePath[i]);
      if (!template.object(true)) return;
      const md = template.get("metadata");
      const labels = sharedLabels(md);
      const annotations = readAnnotations(md);
      const podSpec = readPodSpec(template.get("spec"));
      if (!meta) return;
      if (podSpec.istiodScopeGatewayToNamespace !== undefined) b.inv.mesh.settings.istioScopeGatewayToNamespace = podSpec.istiodScopeGatewayToNamespace;
      const replicas = spec.childInt("replicas", REPLICAS);
      // (Its secondary networks are read, and reported, before its owner, as they were.)
      const requests = networkRequests(md);
      const controller = { kind, namespace: meta.namespace!, name: meta.name, replicas, pods: [], src: ctx.ref };
      b.addTemplate(new Template(controller, readOwner(own), labels, podSpec, annotations, requests));
    },
  };
}

/** A Service's port read through its field: what it reports, and the port when its number and target are valid. */
function readServicePort(p: Field): ServicePort | undefined {
  const port = readChildPortNumber(p, "port");
  // SetDefaults_Service (pkg/apis/core/v1/defaults.go): a targetPort of 0 or "" is the port.
  const tp = p.raw("targetPort");
  const target = tp === undefined || tp === null || tp === 0 || tp === "" ? port : readPortOrName(p.get("targetPort"));
  const nodePort = p.childInt("nodePort", NODE_PORT);
  if (port === undefined || target === undefined) return undefined;
  return { name: p.childString("name"), port, protocol: readPortProtocol(p), targetPort: target, nodePort, appProtocol: p.childString("appProtocol") };
}

/** What readServicePort reads from a port (value `v`) that reads without a report; undefined for any other. */
function validServicePort(v: unknown): ServicePort | undefined {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
  const { port, targetPort: tp, nodePort: np, name, protocol: given, appProtocol } = v as Record<string, unknown>;
  if (!isPortNumber(port)) return undefined;
  let targetPort: number | string;
  if (tp === undefined || tp === null || tp === 0 || tp === "") targetPort = port;
  else if (isPortOrName(tp)) targetPort = tp;
  else return undefined;
  const nodePort = np === undefined || np === null ? undefined : isPortNumber(np) ? np : NaN;
  if (Number.isNaN(nodePort)) return undefined;
  if (name !== undefined && name !== null && typeof name !== "string") return undefined;
  if (appProtocol !== undefined && appProtocol !== null && typeof appProtocol !== "string") return undefined;
  const protocol = given === undefined || given === null || given === "" ? "TCP" : isProtocol(given) ? given : undefined;
  if (protocol === undefined) return undefined;
  return { name: name ?? undefined, port, protocol, targetPort, nodePort, appProtocol: appProtocol ?? undefined };
}

const SERVICE_TYPE: StringRule = { oneOf: ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"] };
const NODE_PORT: NumberRule = { min: 1, max: 65535 };
const TRAFFIC_POLICY: StringRule = { oneOf: ["Cluster", "Local"] };

const IP_MODE: StringRule = { oneOf: ["VIP", "Proxy"] };
const SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges";

/**
 * The fields of a Service that decide what kube-proxy does with traffic to its addresses other than
 * the cluster IP (engine/kube-proxy.ts), read as kube-proxy reads them (pkg/proxy/servicechangetracker
 * newBaseServiceInfo): externalTrafficPolicy Local counts for types NodePort and LoadBalancer only
 * (apiservice.ExternalPolicyLocal); loadBalancerSourceRanges trimmed of white space (the API
 * server's validation lets it pad them) and none kept when one of them is a zero-length prefix
 * ("allow any", as no ranges); the load balancer's ingress addresses of a LoadBalancer Service (the
 * API server clears the status of the other types), ipMode Proxy marked.
 */
function readExternalFields(spec: Field, root: Field, type: string): Partial<Service> {
  const out: Partial<Service> = {};
  const etp = spec.childString("externalTrafficPolicy", TRAFFIC_POLICY);
  if (etp === "Local" && (type === "NodePort" || type === "LoadBalancer")) out.externalTrafficPolicy = "Local";
  const ips = spec.childList("externalIPs");
  if (ips?.length) {
    const list = new AddressList();
    for (const f of ips) {
      // validateServiceSpec: each external IP is a valid IP, then ValidateNonSpecialIP (a special one is no address of the Service).
      const text = f.string();
      if (text === undefined) continue;
      const a = parseAddress(text), special = a && nonSpecialIPError(a, text);
      if (special) f.error("invalid-ip", `${JSON.stringify(text)} ${special} (ValidateNonSpecialIP: the API server refuses the Service)`);
      else list.add(f);
    }
    if (list.list.length) out.externalIPs = list.list;
  }
  // validateServiceExternalTrafficPolicy: the policy only where the Service is reached from outside (apiservice.ExternallyAccessible).
  if (etp !== undefined && etp !== "" && !(type === "NodePort" || type === "LoadBalancer" || (type === "ClusterIP" && ips?.length))) {
    spec.get("externalTrafficPolicy").error("invalid-value", `externalTrafficPolicy ${JSON.stringify(etp)} may only be set for externally-accessible services (type NodePort or LoadBalancer, or ClusterIP with externalIPs): the API server refuses the Service`);
  }
  const ranges = spec.childList("loadBalancerSourceRanges");
  if (ranges?.length) {
    // ValidateService: "may only be used when `type` is 'LoadBalancer'".
    if (type !== "LoadBalancer") spec.get("loadBalancerSourceRanges").error("forbidden", "loadBalancerSourceRanges may only be used when type is LoadBalancer (the API server refuses the Service)");
    const cidrs: Cidr[] = [];
    for (const f of ranges) {
      const text = f.string({ required: true });
      if (text === undefined) continue;
      const c = parseCidr(text.trim());
      if (!c) { f.error("invalid-cidr", `${JSON.stringify(text)} is not a valid CIDR`); continue; }
      cidrs.push(c);
    }
    if (cidrs.length && !cidrs.some((c) => c.prefix === 0)) out.loadBalancerSourceRanges = cidrs;
  } else if (type === "LoadBalancer") {
    // GetLoadBalancerSourceRanges (pkg/api/v1/service/util.go): without the field, the annotation's
    // comma-separated CIDRs, which cloud providers apply at their load balancer (kube-proxy does not
    // read it); ValidateService checks them then ("must be a list of IP ranges").
    const annotations = root.get("metadata").raw("annotations");
    const text = annotations !== null && typeof annotations === "object" ? (annotations as Record<string, unknown>)[SOURCE_RANGES_ANNOTATION] : undefined;
    if (typeof text === "string" && text.trim() !== "") {
      const cidrs = text.split(",").map((x) => parseCidr(x.trim()));
      if (cidrs.some((c) => !c)) root.get("metadata").get("annotations").get(SOURCE_RANGES_ANNOTATION).error("invalid-cidr", `${JSON.stringify(text)} must be a list of IP ranges, e.g. 10.240.0.0/24,10.250.0.0/24 (the API server refuses the Service)`);
      else if (!cidrs.some((c) => c!.prefix === 0)) out.cloudSourceRanges = cidrs as Cidr[];
    }
  }
  const hc = spec.childInt("healthCheckNodePort", NODE_PORT);
  if (hc !== undefined && hc !== 0) {
    // validateServiceExternalTrafficPolicy: !apiservice.NeedsHealthCheck(service) && HealthCheckNodePort != 0.
    if (type === "LoadBalancer" && etp === "Local") out.healthCheckNodePort = hc;
    else spec.get("healthCheckNodePort").error("invalid-value", "healthCheckNodePort may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local' (the API server refuses the Service)");
  }
  if (spec.childBool("allocateLoadBalancerNodePorts") === false) out.allocateLoadBalancerNodePorts = false;
  if (type !== "LoadBalancer") return out;
  const ingress = root.get("status").get("loadBalancer").childList("ingress");
  const lb: { ip: Address; proxy?: true }[] = [];
  for (const f of ingress ?? []) {
    // ValidateLoadBalancerStatus: a hostname is a DNS name, never an IP address.
    const hostname = f.childString("hostname");
    if (hostname && parseAddress(hostname)) f.get("hostname").error("invalid-value", `${JSON.stringify(hostname)} must be a DNS name, not an IP address (ValidateLoadBalancerStatus)`);
    const text = f.childString("ip");
    const mode = f.childString("ipMode", IP_MODE);
    if (text === undefined || text === "") continue;
    const ip = readAddress(f, text, "ip");
    if (ip) lb.push(mode === "Proxy" ? { ip, proxy: true } : { ip });
  }
  if (lb.length) out.loadBalancerIngress = lb;
  return out;
}

const serviceFrontEnd: FrontEnd = {
  kind: "Service", apiVersions: ["v1"], namespaced: true,
  read(root, ctx, b) {
    // (Its labels are checked, not kept, but for the mesh's: KEPT_SERVICE_LABEL.)
    const md = root.get("metadata");
    const meta = readMetadata(md, true, checkLabels);
    const spec = root.get("spec");
    spec.object();
    // (Fields read through their parent: a field is made only when it reports.)
    // SetDefaults_Service (pkg/apis/core/v1/defaults.go): an empty type is ClusterIP, a port's empty protocol TCP.
    const type = spec.raw("type") === "" ? "ClusterIP" : spec.childString("type", SERVICE_TYPE) ?? "ClusterIP";
    // An empty selector is none: the API server stores ServiceSpec.Selector without its empty map
    // (protobuf, json omitempty), so the EndpointSlice controller reads nil ("services without a
    // selector receive no endpoint slices from this controller", endpointslice_controller.go
    // syncService) and writes no endpoints for it; `selector: {}` never selects every pod.
    const givenSelector = spec.raw("selector");
    const read = givenSelector !== undefined && givenSelector !== null ? readLabels(spec.get("selector")) : undefined;
    const selector = read && Object.keys(read).length ? read : undefined;
    const ports: ServicePort[] = [];
    // (Looked at raw: a port is read through its field only when it may report.)
    const givenPorts = spec.raw("ports");
    if (Array.isArray(givenPorts)) {
      let list: Field | undefined;
      for (let i = 0; i < givenPorts.length; i++) {
        const port = validServicePort(givenPorts[i]) ?? readServicePort((list ??= spec.get("ports")).get(i));
        if (port !== undefined) ports.push(port);
      }
    } else spec.childList("ports");
    const clusterIP = spec.raw("clusterIP");
    const clusterIPs = spec.childList("clusterIPs");
    const external = readExternalFields(spec, root, type);
    if (!meta) return;
    // ValidateServiceName: a DNS-1123 label under RelaxedServiceNameValidation (beta, on by default,
    // in 1.36: KEP-5311; a DNS-1035 label before, which also refuses a leading digit), not the
    // subdomain every object's name is: "a.b" or 64 characters are refused (they were read).
    const nameErr = dnsLabelError(meta.name);
    if (nameErr) md.get("name").error("invalid-name", `${nameErr}: a Service's name is a DNS label (the API server's ValidateServiceName)`);
    b.useNamespace(meta.namespace!, ctx.ref);
    const ips = new AddressList();
    if (clusterIP !== "None") ips.add(spec, "clusterIP");
    if (clusterIPs) for (const f of clusterIPs) if (f.value !== "None") ips.add(f);
    const service: Service = { namespace: meta.namespace!, name: meta.name, type, selector, ports: ports.slice(), clusterIPs: ips.list };
    if (clusterIP === "None") service.headless = true;
    if (spec.childBool("publishNotReadyAddresses") === true) service.publishNotReadyAddresses = true;
    if (spec.childString("internalTrafficPolicy", TRAFFIC_POLICY) === "Local") service.internalTrafficPolicy = "Local";
    Object.assign(service, external);
    const annotations = meshAnnotations(meta.annotations);
    if (annotations) service.annotations = annotations;
    const given = md.raw("labels");
    const labels = typeof given === "object" && given !== null && !Array.isArray(given) ? meshAnnotations(given as Record<string, string>, KEPT_SERVICE_LABEL) : undefined;
    if (labels && Object.values(labels).every((v) => typeof v === "string")) service.labels = labels;
    service.src = ctx.ref;
    b.inv.services.push(service);
  },
};

export const coreFrontEnds: FrontEnd[] = [
  namespaceFrontEnd,
  nodeFrontEnd,
  podFrontEnd,
  serviceFrontEnd,
  controllerFrontEnd("Deployment", ["apps/v1", "apps/v1beta1", "apps/v1beta2", "extensions/v1beta1"], ["spec", "template"]),
  controllerFrontEnd("StatefulSet", ["apps/v1", "apps/v1beta1", "apps/v1beta2"], ["spec", "template"]),
  controllerFrontEnd("DaemonSet", ["apps/v1", "apps/v1beta2", "extensions/v1beta1"], ["spec", "template"]),
  controllerFrontEnd("ReplicaSet", ["apps/v1", "apps/v1beta2", "extensions/v1beta1"], ["spec", "template"]),
  controllerFrontEnd("ReplicationController", ["v1"], ["spec", "template"]),
  controllerFrontEnd("Job", ["batch/v1"], ["spec", "template"]),
  controllerFrontEnd("CronJob", ["batch/v1", "batch/v1beta1"], ["spec", "jobTemplate", "spec", "template"]),
];
