// Cilium security identities, as the agent derives one from a pod: the labels its label filter keeps
// (pkg/labelsfilter), with the pod's namespace (and so its namespace's labels), service account and
// cluster; and the named ports an egress rule resolves on its destination identities
// (pkg/policy/types namedPortMultiMap).

import type { Endpoint } from "./endpoint.js";
import { ciliumNamedPorts, type NamedPort } from "./ports.js";
import { REGEX_SEMANTICS, regexError } from "./regex.js";

/**
 * Cilium's label filter (pkg/labelsfilter/filter.go): prefixes `[source:][!]regexp`, each matched at the
 * start of a label's key, of that source or any; filterLabels keeps a label when no include prefix
 * was configured (whitelist false) and no ignore prefix matches it, or when its longest matching
 * include prefix is longer than its shortest matching ignore prefix.
 */
export interface LabelPrefix { ignore: boolean; source: string; re: RegExp; text: string }
export interface LabelFilter { prefixes: readonly LabelPrefix[]; whitelist: boolean }

/** parseLabelPrefix: `source:` up to the first colon, `!` for ignore, the rest a regular expression. */
export function parseLabelPrefix(text: string): LabelPrefix | string {
  const i = text.indexOf(":");
  const source = i >= 0 ? text.slice(0, i) : "";
  let prefix = i >= 0 ? text.slice(i + 1) : text;
  if (!prefix) return `invalid label source ${JSON.stringify(source)}, prefix ""`;
  const ignore = prefix[0] === "!";
  if (ignore) prefix = prefix.slice(1);
  const err = regexError(prefix, REGEX_SEMANTICS.ciliumHttp);
  if (err) return `unable to compile regexp: ${err}`;
  return { ignore, source, re: new RegExp(prefix), text };
}

/** defaultLabelPrefixCfg's expressions: the identity labels by default (its whitelist stays false). */
const DEFAULT_IDENTITY_TEXTS = ["reserved:.*", "io\\.kubernetes\\.pod\\.namespace", "io\\.cilium\\.k8s\\.namespace\\.labels", "app\\.kubernetes\\.io",
  "io\\.cilium\\.k8s\\.policy\\.cluster", "!io\\.kubernetes", "!kubernetes\\.io", "!statefulset\\.kubernetes\\.io/pod-name", "!apps\\.kubernetes\\.io/pod-index",
  "!batch\\.kubernetes\\.io/job-completion-index", "!.*beta\\.kubernetes\\.io", "!k8s\\.io", "!pod-template-generation", "!pod-template-hash",
  "!controller-revision-hash", "!annotation.*", "!etcd_node"];
let defaultIdentityFilter: LabelFilter | undefined;

/**
 * The default label filter (the same object at every call), made when first asked: checking its 17
 * expressions as RE2 loads the regular-expression engine, which an input without Cilium never needs
 * (25-40 ms of CPU at every command's start when it was made as the module loaded).
 */
export function defaultIdentity(): LabelFilter {
  return (defaultIdentityFilter ??= { prefixes: DEFAULT_IDENTITY_TEXTS.map((t) => parseLabelPrefix(t) as LabelPrefix), whitelist: false });
}

/** filterLabels: whether a label of this source and key is kept. */
export function labelKept(filter: LabelFilter, source: string, key: string): boolean {
  let included = 0, ignored = 0;
  for (const p of filter.prefixes) {
    if (p.source !== "" && p.source !== source) continue;
    const m = p.re.exec(key);
    if (!m || m.index !== 0) continue;
    const len = m[0].length;
    if (p.ignore) { if (ignored === 0 || len < ignored) ignored = len; } else if (len > included) included = len;
  }
  return (!filter.whitelist && ignored === 0) || included > ignored;
}


/**
 * The named ports of each identity as an egress rule resolves them on its destinations
 * (namedPortMultiMap.GetNamedPorts: per numeric identity and protocol, the port its endpoints give a
 * name, each endpoint's NamedPortMap being model/ports.ts ciliumNamedPorts; an identity whose endpoints
 * give the name different ports, lookupNamedPort's duplicate, is skipped: the rule allows it no port
 * of that name). Every pod of an identity gets its identity's ports, declared or not: the policy map
 * holds identities, not pods.
 */
export class IdentityPorts {
  private ports = new Map<string, Map<string, number>>();
  private views = new Map<string, readonly NamedPort[]>();
  private keys = new WeakMap<Endpoint, string>();

  constructor(endpoints: readonly Endpoint[], private filter: LabelFilter) {
    for (const e of endpoints) {
      if (!isCiliumEndpoint(e)) continue;
      const named = ciliumNamedPorts(e.ports);
      if (!named.some((q) => q.name !== undefined)) continue;
      const id = this.keyOf(e);
      let m = this.ports.get(id);
      if (!m) this.ports.set(id, m = new Map());
      for (const q of named) {
        if (q.name === undefined) continue;
        const k = `${q.name}/${q.protocol}`, cur = m.get(k);
        m.set(k, cur === undefined || cur === q.port ? q.port : -1);
      }
    }
  }

  /** Label keys the filter keeps, and the kept labels of each labels object (a workload's pods share theirs). */
  private keptKeys = new Map<string, boolean>();
  private keptLabels = new WeakMap<object, string>();

  /** `e`'s identity: its cluster, namespace (its labels with it), service account and the labels the filter keeps. */
  private keyOf(e: Endpoint): string {
    let k = this.keys.get(e);
    if (k !== undefined) return k;
    let kept = this.keptLabels.get(e.labels);
    if (kept === undefined) {
      const keys = Object.keys(e.labels).filter((key) => {
        let on = this.keptKeys.get(key);
        if (on === undefined) this.keptKeys.set(key, on = labelKept(this.filter, "k8s", key));
        return on;
      }).sort();
      this.keptLabels.set(e.labels, kept = keys.map((key) => `${key}=${e.labels[key]}`).join("\u0000"));
    }
    this.keys.set(e, k = [e.cluster ?? "", e.namespace ?? "", e.serviceAccount ?? "default", kept].join("\u0001"));
    return k;
  }

  /** The named ports an egress rule resolves on `e`'s identity (shared by its pods). */
  egressPorts(e: Endpoint): readonly NamedPort[] {
    if (!isCiliumEndpoint(e)) return NO_PORTS;
    const id = this.keyOf(e);
    let view = this.views.get(id);
    if (view === undefined) {
      const out: NamedPort[] = [];
      for (const [k, port] of this.ports.get(id) ?? []) {
        if (port < 0) continue;
        const i = k.lastIndexOf("/");
        out.push({ name: k.slice(0, i), port, protocol: k.slice(i + 1) as NamedPort["protocol"] });
      }
      this.views.set(id, view = out.length ? out : NO_PORTS);
    }
    return view;
  }
}

const NO_PORTS: readonly NamedPort[] = Object.freeze([]);

/** A pod Cilium gives an endpoint of its own (a host-network pod is the host's). */
function isCiliumEndpoint(e: Endpoint): boolean {
  return e.kind === "pod" && e.hostNetwork !== true;
}
