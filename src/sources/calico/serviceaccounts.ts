// Calico's service account selectors (a policy's serviceAccountSelector, a rule's
// serviceAccounts.selector): they match the labels of the pod's ServiceAccount. libcalico-go turns
// each ServiceAccount into a profile whose labels its pods inherit (k8s/conversion/conversion.go
// ServiceAccountToProfile: every label as `pcsa.KEY`, and `pcsa.projectcalico.org/name` its name)
// and prefixes every key of the selector with `pcsa.` (updateprocessors networkpolicyprocessor.go
// prefixAndAppendSelector, rules.go parseServiceAccounts). A pod whose ServiceAccount is not in the
// input has none of those labels. Lowered per namespace into the model's service account names.

import { matches, selector, type Labels, type Requirement } from "../../model/selector.js";
import type { EndpointSelector } from "../../model/policy.js";
import type { InventoryBuilder, StateKey } from "../builder.js";
import type { FrontEnd } from "../frontend.js";
import type { Field } from "../fields.js";
import { readMeta } from "../k8s.js";

/** The label Calico gives a ServiceAccount's profile for its name. */
const NAME_LABEL = "projectcalico.org/name";
const K8S_NAME = "kubernetes.io/metadata.name";

/** ServiceAccounts read: namespace → name → labels. */
const ACCOUNTS: StateKey<Map<string, Map<string, Labels>>> = { make: () => new Map() };

/** ServiceAccount (v1): its labels, for Calico's service account selectors. */
export const serviceAccountFrontEnd: FrontEnd = {
  kind: "ServiceAccount", apiVersions: ["v1"], namespaced: true,
  read(root, _ctx, b) {
    const meta = readMeta(root, true);
    if (!meta?.namespace) return;
    const accounts = b.state(ACCOUNTS);
    let ns = accounts.get(meta.namespace);
    if (!ns) accounts.set(meta.namespace, (ns = new Map()));
    ns.set(meta.name, meta.labels);
  },
};

/**
 * `sel` narrowed to the pods whose ServiceAccount meets `reqs` (once every object is read): one
 * selector per namespace it may select (the namespaces of the input and of its pods), naming the
 * accounts of that namespace that meet them; when `reqs` hold for no labels at all (a negation), a
 * pod whose ServiceAccount is not in the input meets them too: every account but those that do not.
 * Host endpoints have no ServiceAccount: kept only then.
 */
export function byServiceAccount(sel: EndpointSelector, reqs: readonly Requirement[], b: InventoryBuilder, f?: Field): EndpointSelector[] {
  const accounts = b.state(ACCOUNTS);
  const want = selector({}, [...reqs]);
  const bare = matches(want, {});
  const names = sel.namespaces.kind === "name" ? [sel.namespaces.name]
    : [...new Set([...b.inv.namespaces.keys(), ...b.inv.endpoints.flatMap((e) => (e.kind === "pod" && e.namespace !== undefined ? [e.namespace] : []))])].sort();
  // A pod's ServiceAccount exists (the ServiceAccount admission plugin refuses a pod whose account does
  // not), so its profile does, with pcsa.projectcalico.org/name its name, whether or not the input holds it;
  // its other labels are unknown then (read as none, a warning when the selector asks for any).
  const unknown = new Set<string>();
  const out: EndpointSelector[] = [];
  for (const ns of names) {
    const known = accounts.get(ns) ?? new Map<string, Labels>();
    const referenced = [...new Set(b.inv.endpoints.flatMap((e) => (e.kind === "pod" && e.namespace === ns ? [e.serviceAccount ?? "default"] : [])))].filter((a) => !known.has(a)).sort();
    if (reqs.some((r) => r.key !== NAME_LABEL)) for (const a of referenced) unknown.add(`${ns}/${a}`);
    const here: [string, Labels][] = [...known, ...referenced.map((a): [string, Labels] => [a, {}])];
    const meet = (name: string, labels: Labels) => matches(want, { ...labels, [NAME_LABEL]: name });
    const namespaces = sel.namespaces.kind === "selector" ? { kind: "selector" as const, selector: selector({}, [...sel.namespaces.selector.requirements, { key: K8S_NAME, operator: "In", values: [ns] }]) } : { kind: "name" as const, name: ns };
    const pods: EndpointSelector = { ...sel, namespaces, kinds: ["pod"] };
    if (bare) {
      const except = here.filter(([name, labels]) => !meet(name, labels)).map(([name]) => name);
      out.push({ ...pods, ...(sel.serviceAccounts ? { serviceAccounts: sel.serviceAccounts.filter((a) => !except.includes(a)) } : { exceptServiceAccounts: [...new Set([...(sel.exceptServiceAccounts ?? []), ...except])].sort() }) });
    } else {
      const named = here.filter(([name, labels]) => meet(name, labels)).map(([name]) => name).filter((a) => (!sel.serviceAccounts || sel.serviceAccounts.includes(a)) && !sel.exceptServiceAccounts?.includes(a));
      out.push({ ...pods, serviceAccounts: named.sort(), exceptServiceAccounts: undefined });
    }
  }
  if (unknown.size && f) f.warn("vendor-service-account", `ServiceAccount${unknown.size === 1 ? "" : "s"} ${[...unknown].slice(0, 5).join(", ")}${unknown.size > 5 ? ", ..." : ""} of the input's pods ${unknown.size === 1 ? "is" : "are"} not in the input: Calico matches this selector against the account's labels (its profile's pcsa. labels), which are unknown here; read as having none but its name`);
  if (bare && sel.kinds.includes("workload")) out.push({ ...sel, kinds: ["workload"] });
  return out.map((s) => (s.exceptServiceAccounts === undefined ? (({ exceptServiceAccounts: _, ...rest }) => rest)(s) : s));
}
