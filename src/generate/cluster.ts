// A deterministic synthetic cluster shaped like real ones: nodes in three zones, system
// namespaces (DNS, monitoring, an ingress controller, host-network DaemonSets), application
// namespaces of teams and environments with Deployments and StatefulSets whose pods have real
// IPs from their node's pod range, Services, and the policies of policies.ts.

import { Rng } from "./random.js";
import { APPS, ENVIRONMENTS, NAMESPACE_BASES, REPLICAS, ROLE_PORTS, TEAMS, TIER_OF, type AppKind, type ContainerPort } from "./vocabulary.js";
import { adminPolicies, namespacePolicies } from "./policies.js";

export interface GenerateOptions {
  pods: number;
  namespaces: number;
  policies: number;
  seed: number;
}

export type Manifest = Record<string, unknown>;

/** One output file: a relative path and its objects. */
export interface GeneratedFile {
  path: string;
  objects: Manifest[];
}

export interface AppNamespace {
  name: string;
  base: string;
  team: string;
  env: string;
  apps: Workload[];
}

export interface Workload {
  app: AppKind;
  name: string;
  kind: "Deployment" | "StatefulSet" | "DaemonSet";
  replicas: number;
  ports: ContainerPort[];
  labels: Record<string, string>;
  hostNetwork?: boolean;
}

interface Node { name: string; ip: string; index: number; next: number }

const SYSTEM_NAMESPACES = 3;
const PODS_PER_NODE = 30;

export function generateCluster(o: GenerateOptions): GeneratedFile[] {
  const rng = new Rng(o.seed);
  const nodes = Array.from({ length: Math.max(1, Math.ceil(o.pods / PODS_PER_NODE)) }, (_, i): Node => ({ name: `node-${String(i + 1).padStart(4, "0")}`, ip: `10.240.${i >> 8}.${i & 255}`, index: i, next: 2 }));
  const apps = appNamespaces(rng, Math.max(1, o.namespaces - SYSTEM_NAMESPACES));
  const systemPods = 2 * nodes.length + 5;
  fillWorkloads(rng, apps, Math.max(apps.length, o.pods - systemPods));
  const files: GeneratedFile[] = [
    { path: "cluster/nodes", objects: nodes.map(nodeObject) },
    { path: "cluster/namespaces", objects: [...["kube-system", "monitoring", "ingress-nginx"].map((n) => namespaceObject(n, { team: "platform" })), ...apps.map((a) => namespaceObject(a.name, { team: a.team, env: a.env }))] },
    { path: "cluster/system", objects: systemWorkloads(rng, nodes) },
  ];
  for (const ns of apps) {
    files.push({ path: `namespaces/${ns.name}/workloads`, objects: ns.apps.flatMap((w) => workloadObjects(rng, ns.name, w, nodes)) });
  }
  const admin = adminPolicies(o.policies);
  const perNamespace = namespacePolicies(rng, apps, Math.max(0, o.policies - admin.length));
  apps.forEach((ns, i) => { if (perNamespace[i].length) files.push({ path: `namespaces/${ns.name}/policies`, objects: perNamespace[i] }); });
  if (admin.length) files.push({ path: "cluster/admin-policies", objects: admin });
  return files;
}

function appNamespaces(rng: Rng, n: number): AppNamespace[] {
  const out: AppNamespace[] = [];
  for (let i = 0; i < n; i++) {
    const base = NAMESPACE_BASES[i % NAMESPACE_BASES.length];
    const env = ENVIRONMENTS[Math.floor(i / NAMESPACE_BASES.length) % ENVIRONMENTS.length];
    const round = Math.floor(i / (NAMESPACE_BASES.length * ENVIRONMENTS.length));
    out.push({ name: `${base}-${env}${round ? `-${round + 1}` : ""}`, base, env, team: TEAMS[(i * 7 + rng.int(2)) % TEAMS.length], apps: [] });
  }
  return out;
}

/** Spreads the pods over the namespaces as workloads with realistic replica counts. */
function fillWorkloads(rng: Rng, namespaces: AppNamespace[], pods: number): void {
  let left = pods;
  namespaces.forEach((ns, i) => {
    let budget = Math.round(left / (namespaces.length - i));
    left -= budget;
    const order = rng.shuffle(APPS);
    for (let k = 0; budget > 0; k++) {
      const app = order[k % order.length];
      const replicas = Math.min(budget, rng.pick(REPLICAS));
      budget -= replicas;
      const name = k < order.length ? app.name : `${app.name}-${Math.floor(k / order.length) + 1}`;
      const stateful = app.role === "db" || app.role === "cache" || app.role === "queue";
      ns.apps.push({
        app, name, kind: stateful ? "StatefulSet" : "Deployment", replicas, ports: ROLE_PORTS[app.role],
        labels: { app: name, "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": ns.base, tier: TIER_OF[app.role], version: `v${1 + rng.int(3)}` },
      });
    }
  });
}

function systemWorkloads(rng: Rng, nodes: Node[]): Manifest[] {
  const dns: Workload = { app: { name: "coredns", role: "api" }, name: "coredns", kind: "Deployment", replicas: 2, ports: [{ name: "dns", containerPort: 53, protocol: "UDP" }, { name: "dns-tcp", containerPort: 53 }, { name: "metrics", containerPort: 9153 }], labels: { "k8s-app": "kube-dns" } };
  const proxy: Workload = { app: { name: "kube-proxy", role: "worker" }, name: "kube-proxy", kind: "DaemonSet", replicas: nodes.length, ports: [{ name: "metrics", containerPort: 10249 }], labels: { "k8s-app": "kube-proxy" }, hostNetwork: true };
  const prometheus: Workload = { app: { name: "prometheus", role: "api" }, name: "prometheus", kind: "StatefulSet", replicas: 1, ports: [{ name: "web", containerPort: 9090 }], labels: { app: "prometheus", "app.kubernetes.io/name": "prometheus" } };
  const exporter: Workload = { app: { name: "node-exporter", role: "worker" }, name: "node-exporter", kind: "DaemonSet", replicas: nodes.length, ports: [{ name: "metrics", containerPort: 9100 }], labels: { app: "node-exporter" }, hostNetwork: true };
  const ingress: Workload = { app: { name: "ingress-nginx-controller", role: "frontend" }, name: "ingress-nginx-controller", kind: "Deployment", replicas: 2, ports: [{ name: "http", containerPort: 80 }, { name: "https", containerPort: 443 }], labels: { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" } };
  return [
    ...workloadObjects(rng, "kube-system", dns, nodes), ...workloadObjects(rng, "kube-system", proxy, nodes),
    ...workloadObjects(rng, "monitoring", prometheus, nodes), ...workloadObjects(rng, "monitoring", exporter, nodes),
    ...workloadObjects(rng, "ingress-nginx", ingress, nodes),
  ];
}

function nodeObject(n: Node): Manifest {
  const zone = `zone-${"abc"[n.index % 3]}`;
  return {
    apiVersion: "v1", kind: "Node",
    metadata: { name: n.name, labels: { "kubernetes.io/hostname": n.name, "kubernetes.io/os": "linux", "topology.kubernetes.io/zone": zone, "node-role.kubernetes.io/worker": "" } },
    spec: { podCIDR: `10.${16 + (n.index >> 8)}.${n.index & 255}.0/24` },
    status: { addresses: [{ type: "InternalIP", address: n.ip }, { type: "Hostname", address: n.name }] },
  };
}

function namespaceObject(name: string, labels: Record<string, string>): Manifest {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { "kubernetes.io/metadata.name": name, ...labels } } };
}

/** The controller, its ReplicaSet (Deployments), a Service, and one Pod per replica. */
function workloadObjects(rng: Rng, namespace: string, w: Workload, nodes: Node[]): Manifest[] {
  const hash = rng.suffix(10);
  const template = { metadata: { labels: w.labels }, spec: podSpec(w) };
  const controller: Manifest = {
    apiVersion: "apps/v1", kind: w.kind, metadata: { name: w.name, namespace, labels: w.labels },
    spec: { ...(w.kind === "DaemonSet" ? {} : { replicas: w.replicas }), selector: { matchLabels: selectorLabels(w) }, template },
  };
  const out: Manifest[] = [controller];
  let owner: { kind: string; name: string } = { kind: w.kind, name: w.name };
  if (w.kind === "Deployment") {
    owner = { kind: "ReplicaSet", name: `${w.name}-${hash}` };
    out.push({ apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: owner.name, namespace, labels: { ...w.labels, "pod-template-hash": hash }, ownerReferences: [ownerRef("Deployment", w.name)] }, spec: { replicas: w.replicas, selector: { matchLabels: selectorLabels(w) }, template } });
  }
  if (!w.hostNetwork) out.push(serviceObject(namespace, w));
  const names = new Set<string>();
  for (let r = 0; r < w.replicas; r++) {
    const node = w.kind === "DaemonSet" ? nodes[r] : nodes[rng.int(nodes.length)];
    let name = w.kind === "StatefulSet" ? `${w.name}-${r}` : `${owner.name}-${rng.suffix(5)}`;
    while (names.has(name)) name = `${owner.name}-${rng.suffix(5)}`;
    names.add(name);
    out.push(podObject(w, namespace, name, owner, hash, node));
  }
  return out;
}

function podObject(w: Workload, namespace: string, name: string, owner: { kind: string; name: string }, hash: string, node: Node): Manifest {
  const extra: Record<string, string> = w.kind === "StatefulSet" ? { "controller-revision-hash": `${w.name}-${hash}`, "statefulset.kubernetes.io/pod-name": name }
    : w.kind === "Deployment" ? { "pod-template-hash": hash } : { "controller-revision-hash": hash, "pod-template-generation": "1" };
  const ip = w.hostNetwork ? node.ip : `10.${16 + (node.index >> 8)}.${node.index & 255}.${node.next++ % 254 + 1}`;
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: { name, namespace, labels: { ...w.labels, ...extra }, ownerReferences: [ownerRef(owner.kind, owner.name)] },
    spec: { ...podSpec(w), nodeName: node.name },
    status: { phase: "Running", hostIP: node.ip, podIP: ip, podIPs: [{ ip }] },
  };
}

function podSpec(w: Workload): Manifest {
  const ports = w.ports.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: p.protocol ?? "TCP" }));
  return {
    ...(w.hostNetwork ? { hostNetwork: true } : {}),
    serviceAccountName: w.name,
    containers: [{ name: w.app.name, image: `registry.example.com/${w.app.name}:1.${w.name.length % 9}.0`, ports }],
  };
}

function serviceObject(namespace: string, w: Workload): Manifest {
  const first = w.ports[0];
  return {
    apiVersion: "v1", kind: "Service", metadata: { name: w.name, namespace },
    spec: { type: "ClusterIP", selector: selectorLabels(w), ports: [{ name: first.name, port: first.name === "http" ? 80 : first.containerPort, targetPort: first.name, protocol: first.protocol ?? "TCP" }] },
  };
}

function selectorLabels(w: Workload): Record<string, string> {
  return w.labels.app ? { app: w.labels.app } : w.labels;
}

function ownerRef(kind: string, name: string): Manifest {
  return { apiVersion: "apps/v1", kind, name, uid: `${kind.toLowerCase()}-${name}`, controller: true, blockOwnerDeletion: true };
}
