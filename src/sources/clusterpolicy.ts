// Front end for ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2), the successor of
// AdminNetworkPolicy and BaselineAdminNetworkPolicy: one kind, Admin or Baseline tier.

import type { Action, Rule } from "../model/policy.js";
import type { PortMatch, Protocol } from "../model/ports.js";
import type { Field } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import { readMeta, readPortNumber } from "./k8s.js";
import { failClosed, readRulePeers, readSubject } from "./policyapi.js";

const INGRESS_PEERS = ["namespaces", "pods"];
const EGRESS_PEERS = ["namespaces", "pods", "nodes", "networks", "domainNames"];
const ACTIONS: Record<string, Action> = { Accept: "allow", Deny: "deny", Pass: "pass" };

export const clusterPolicyFrontEnds: FrontEnd[] = [{
  kind: "ClusterNetworkPolicy", apiVersions: ["policy.networking.k8s.io/v1alpha2"], namespaced: false,
  read(root, ctx, b) {
    const meta = readMeta(root, false);
    const spec = root.get("spec");
    if (!spec.object(true)) return;
    const tier = spec.get("tier").string({ required: true, oneOf: ["Admin", "Baseline"] });
    const priority = spec.get("priority").int({ required: true, min: 0, max: 1000 });
    const subject = readSubject(spec.get("subject"));
    const ingress = readRules(spec, "ingress");
    const egress = readRules(spec, "egress");
    if (!meta || !tier || priority === undefined || !subject) return;
    b.inv.policies.push({
      kind: "ClusterNetworkPolicy", name: meta.name, tier: tier === "Admin" ? "admin" : "baseline", priority, subject,
      ingress: ingress.length ? ingress : undefined, egress: egress.length ? egress : undefined, src: ctx.ref,
    });
  },
}];

function readRules(spec: Field, gress: "ingress" | "egress"): Rule[] {
  const peersKey = gress === "ingress" ? "from" : "to";
  return (spec.get(gress).list({ max: 25 }) ?? []).map((r, index) => {
    r.object(true);
    const name = r.get("name").string();
    if (name !== undefined && name.length > 100) r.get("name").error("too-long", "must be at most 100 characters");
    const actionText = r.get("action").string({ required: true, oneOf: Object.keys(ACTIONS) });
    const peerFields = r.get(peersKey).list({ required: true, min: 1, max: 25 }) ?? [];
    const read = readRulePeers(peerFields, gress === "ingress" ? INGRESS_PEERS : EGRESS_PEERS);
    const peers = read ?? [];
    const protoList = r.get("protocols").list({ min: 1, max: 25 });
    const ports = protoList?.map(readProtocolMatch).filter((p): p is PortMatch => p !== undefined);
    if (peers.some((p) => p.kind === "domains") && actionText !== undefined && actionText !== "Accept") {
      r.get("action").error("forbidden", "domainNames peers are only supported in Accept rules");
    }
    if (ports?.some((p) => p.kind === "named") && peerFields.some((p) => ["networks", "nodes", "domainNames"].some((k) => p.get(k).present))) {
      r.get("protocols").error("forbidden", "networks/nodes/domainNames peers cannot be used with destinationNamedPort");
    }
    const rule: Rule = { index, name, action: ACTIONS[actionText ?? "Deny"], peers, ports, path: ["spec", gress, index] };
    return read ? rule : failClosed(rule);
  });
}

function readProtocolMatch(f: Field): PortMatch | undefined {
  const which = f.oneOf(["tcp", "udp", "sctp", "destinationNamedPort"]);
  if (!which) return undefined;
  const v = f.get(which);
  if (which === "destinationNamedPort") {
    const name = v.string({ required: true, nonEmpty: true });
    return name === undefined ? undefined : { kind: "named", name };
  }
  const protocol = which.toUpperCase() as Protocol;
  v.object(true);
  const dp = v.get("destinationPort");
  if (!dp.present) return dp.missing();
  const kind = dp.oneOf(["number", "range"]);
  if (kind === "number") {
    const n = readPortNumber(dp.get("number"));
    return n === undefined ? undefined : { kind: "range", protocol, first: n, last: n };
  }
  if (kind === "range") {
    const start = readPortNumber(dp.get("range").get("start"));
    const end = readPortNumber(dp.get("range").get("end"));
    if (start === undefined || end === undefined) return undefined;
    if (start >= end) return dp.get("range").get("end").error("range", `end ${end} must be greater than start ${start}`);
    return { kind: "range", protocol, first: start, last: end };
  }
  return undefined;
}
