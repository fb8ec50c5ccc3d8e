// A stream of random realistic changes applied incrementally to the connectivity engine, timed one
// by one: pods coming and going (a replacement replica joins its class; some make a new class),
// pod labels changing, NetworkPolicies added, edited and removed, AdminNetworkPolicies selecting
// every namespace added and edited, namespaces relabelled. The answers after the stream are checked
// equal to a fresh build over the changed inventory.

import type { Endpoint } from "../src/model/endpoint.js";
import type { Inventory } from "../src/model/inventory.js";
import type { Policy, Rule } from "../src/model/policy.js";
import type { PortMatch } from "../src/model/ports.js";
import { PolicyEngine } from "../src/engine/verdict.js";
import { FastConnectivity } from "../src/engine/fast/connectivity.js";
import { connectionList } from "../src/analyze/connlist.js";
import { renderConnlist } from "../src/targets/connlist.js";
import { Rng } from "../src/generate/random.js";

export const CHANGE_KINDS = [
  "pod removed", "pod added (replica)", "pod added (new class)", "pod relabelled", "NetworkPolicy added",
  "NetworkPolicy edited", "NetworkPolicy removed", "ANP (every namespace) added", "ANP (every namespace) edited", "namespace relabelled",
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** Relative frequency of each kind of change. */
const WEIGHTS: Record<ChangeKind, number> = {
  "pod removed": 26, "pod added (replica)": 22, "pod added (new class)": 4, "pod relabelled": 14, "NetworkPolicy added": 8,
  "NetworkPolicy edited": 10, "NetworkPolicy removed": 4, "ANP (every namespace) added": 2, "ANP (every namespace) edited": 4, "namespace relabelled": 6,
};

export interface StreamResult {
  /** Milliseconds of each change, by kind: wall time, and this process's CPU time (other processes on a loaded machine do not count). */
  times: Map<ChangeKind, number[]>;
  cpu: Map<ChangeKind, number[]>;
  /** Whether the answers after the stream equal a fresh build's. */
  same: boolean;
  lines: number;
}

type Spec = Omit<Endpoint, "id">;
const spec = (e: Endpoint): Spec => { const { id: _id, ...rest } = e; return rest; };

/** Applies `n` random changes to `fast` (and its inventory), then compares with a fresh build. */
export function runStream(inv: Inventory, fast: FastConnectivity, n: number, seed: number, log: (l: string) => void, onSample?: (i: number, kind: ChangeKind, wallMs: number, cpuMs: number) => void): StreamResult {
  const rng = new Rng(seed);
  const s = new StreamState(inv, fast, rng);
  const times = new Map<ChangeKind, number[]>(CHANGE_KINDS.map((k) => [k, []]));
  const cpu = new Map<ChangeKind, number[]>(CHANGE_KINDS.map((k) => [k, []]));
  const total = Object.values(WEIGHTS).reduce((a, b) => a + b, 0);
  for (let i = 0; i < n; i++) {
    let x = rng.int(total), kind: ChangeKind = CHANGE_KINDS[0];
    for (const k of CHANGE_KINDS) { if (x < WEIGHTS[k]) { kind = k; break; } x -= WEIGHTS[k]; }
    const t = performance.now(), c = cpuMs();
    const done = s.apply(kind, i);
    if (done) {
      const w = performance.now() - t, u = cpuMs() - c;
      times.get(done)!.push(w); cpu.get(done)!.push(u);
      onSample?.(i, done, w, u);
    }
    if ((i + 1) % 1000 === 0) log(`update stream: ${i + 1}/${n}`);
  }
  const after = renderConnlist(connectionList(inv, fast), "txt");
  const fresh = renderConnlist(connectionList(inv, new FastConnectivity(new PolicyEngine(inv, fast.engine.options))), "txt");
  return { times, cpu, same: after === fresh, lines: after.split("\n").length - 1 };
}

class StreamState {
  /** Pods taken out, to come back as replicas (their node, address and owner). */
  private readonly removed: Spec[] = [];
  private readonly added: Policy[] = [];
  private readonly addedAdmin: Policy[] = [];
  constructor(private readonly inv: Inventory, private readonly fast: FastConnectivity, private readonly rng: Rng) {}

  /** Applies one change of this kind (or the nearest one possible); returns what was applied. */
  apply(kind: ChangeKind, i: number): ChangeKind | undefined {
    const { fast, rng } = this;
    switch (kind) {
      case "pod removed": {
        const e = this.pod();
        this.removed.push(spec(e));
        fast.removeEndpoint(e);
        return kind;
      }
      case "pod added (replica)":
      case "pod added (new class)": {
        const back = this.removed.length ? this.removed.splice(rng.int(this.removed.length), 1)[0] : undefined;
        if (!back) return this.apply("pod removed", i);
        const labels = kind === "pod added (replica)" ? back.labels : { ...back.labels, app: this.sibling(back).labels.app ?? "x", tier: `t${i % 7}` };
        const r = fast.upsertEndpoint({ ...back, name: `${back.name}-r${i}`, labels });
        return kind === "pod added (new class)" && r.classes === 0 ? "pod added (replica)" : kind;
      }
      case "pod relabelled": {
        const e = this.pod();
        fast.upsertEndpoint({ ...spec(e), labels: { ...e.labels, ...this.sibling(e).labels, version: `v${i % 5}` } }, e);
        return kind;
      }
      case "NetworkPolicy added": {
        const p = this.policy("NetworkPolicy");
        const q = withPort({ ...p, name: `${p.name}-s${i}` }, 9000 + (i % 500));
        this.added.push(q);
        fast.upsertPolicy(q);
        return kind;
      }
      case "NetworkPolicy edited": {
        fast.upsertPolicy(withPort(this.policy("NetworkPolicy"), 7000 + (i % 500)));
        return kind;
      }
      case "NetworkPolicy removed": {
        const p = this.added.length ? this.added.splice(rng.int(this.added.length), 1)[0] : undefined;
        if (!p) return this.apply("NetworkPolicy added", i);
        fast.removePolicy(p);
        return kind;
      }
      case "ANP (every namespace) added": {
        const p = this.everyNamespace();
        const q = withPort({ ...p, name: `${p.name}-s${i}`, priority: 200 + i }, 9000 + (i % 500));
        this.addedAdmin.push(q);
        fast.upsertPolicy(q);
        return kind;
      }
      case "ANP (every namespace) edited": {
        fast.upsertPolicy(withPort(this.everyNamespace(), 7000 + (i % 500)));
        return kind;
      }
      case "namespace relabelled": {
        const names = [...this.inv.namespaces.values()].filter((ns) => ns.labels.env);
        const ns = rng.pick(names);
        const env = rng.pick(["prod", "dev", "staging"].filter((x) => x !== ns.labels.env));
        const { "kubernetes.io/metadata.name": _own, ...labels } = ns.labels;
        fast.setNamespaceLabels(ns.name, { ...labels, env });
        return kind;
      }
    }
  }

  private pod(): Endpoint {
    for (;;) {
      const e = this.rng.pick(this.inv.endpoints);
      if (e.kind === "pod" && !e.fromTemplate && !e.hostNetwork) return e;
    }
  }

  /** Another pod of the same namespace (its labels are the realistic ones to move to). */
  private sibling(e: Spec): Endpoint {
    for (let k = 0; k < 50; k++) {
      const o = this.pod();
      if (o.namespace === e.namespace) return o;
    }
    return this.pod();
  }

  /** The policies the stream picks from, chosen once (a scan of every policy per change would be timed with it). */
  private pools = new Map<string, Policy[]>();
  private pool(name: string, keep: (p: Policy) => boolean): Policy[] {
    let all = this.pools.get(name);
    if (!all) this.pools.set(name, all = this.inv.policies.filter(keep));
    return all;
  }

  private policy(kind: string): Policy {
    return this.rng.pick(this.pool(kind, (p) => p.kind === kind && Boolean(p.ingress?.length || p.egress?.length)));
  }

  /** An AdminNetworkPolicy whose subject is every namespace. */
  private everyNamespace(): Policy {
    return this.rng.pick(this.pool("every namespace", (p) => p.kind === "AdminNetworkPolicy" && everyNamespace(p.subject.namespaces) && !p.subject.labels.requirements.length));
  }
}

const everyNamespace = (n: Policy["subject"]["namespaces"]) => n.kind === "any" || (n.kind === "selector" && !n.selector.requirements.length);

/** The policy with one more port on its first rule (ingress, else egress). */
function withPort(p: Policy, port: number): Policy {
  const extra: PortMatch = { kind: "range", protocol: "TCP", first: port, last: port };
  const add = (rules: readonly Rule[]) => {
    const [first, ...rest] = rules;
    return [{ ...first, ports: first.ports ? [...first.ports, extra] : [extra] }, ...rest];
  };
  return p.ingress?.length ? { ...p, ingress: add(p.ingress) } : { ...p, egress: add(p.egress!) };
}

/** CPU time of this process (user + system), in milliseconds. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The p-th percentile (0..100) of some times. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}
