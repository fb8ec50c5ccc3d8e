// Front ends for AdminNetworkPolicy and BaselineAdminNetworkPolicy
// (policy.networking.k8s.io/v1alpha1), lowered into the Admin and Baseline tiers.

import type { Action, Rule } from "../model/policy.js";
import type { PortMatch } from "../model/ports.js";
import type { Field } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import { readMeta, readPortNumber, readProtocol } from "./k8s.js";
import { failClosed, readRulePeers, readSubject } from "./policyapi.js";

const API = ["policy.networking.k8s.io/v1alpha1"];
const INGRESS_PEERS = ["namespaces", "pods"];
const EGRESS_PEERS = ["namespaces", "pods", "nodes", "networks", "domainNames"];
const PORT_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

function adminFrontEnd(kind: "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy"): FrontEnd {
  const baseline = kind === "BaselineAdminNetworkPolicy";
  const actions = baseline ? ["Allow", "Deny"] : ["Allow", "Deny", "Pass"];
  return {
    kind, apiVersions: API, namespaced: false,
    read(root, ctx, b) {
      const meta = readMeta(root, false);
      const spec = root.get("spec");
      if (!spec.object(true)) return;
      if (baseline && meta && meta.name !== "default") {
        root.get("metadata").get("name").error("invalid-name", `a BaselineAdminNetworkPolicy must be named "default", not ${JSON.stringify(meta.name)}`);
      }
      const priority = baseline ? 0 : spec.get("priority").int({ required: true, min: 0, max: 1000 });
      const subject = readSubject(spec.get("subject"));
      const ingress = readRules(spec, "ingress", actions);
      const egress = readRules(spec, "egress", actions);
      if (!meta || priority === undefined || !subject) return;
      // A policy without rules for a direction does not affect that direction.
      b.inv.policies.push({
        kind, name: meta.name, tier: baseline ? "baseline" : "admin", priority, subject,
        ingress: ingress.length ? ingress : undefined, egress: egress.length ? egress : undefined, src: ctx.ref,
      });
    },
  };
}

function readRules(spec: Field, gress: "ingress" | "egress", actions: string[]): Rule[] {
  const peersKey = gress === "ingress" ? "from" : "to";
  const allowedPeers = gress === "ingress" ? INGRESS_PEERS : EGRESS_PEERS;
  return (spec.get(gress).list({ max: 100 }) ?? []).map((r, index) => {
    r.object(true);
    const name = r.get("name").string();
    if (name !== undefined && name.length > 100) r.get("name").error("too-long", "must be at most 100 characters");
    const action = r.get("action").string({ required: true, oneOf: actions });
    const peers = readRulePeers(r.get(peersKey).list({ required: true, min: 1, max: 100 }) ?? [], allowedPeers);
    const portList = r.get("ports").list({ min: 1, max: 100 });
    const ports = portList?.map(readAnpPort).filter((p): p is PortMatch => p !== undefined);
    const rule: Rule = { index, name, action: (action ?? "Deny").toLowerCase() as Action, peers: peers ?? [], ports, path: ["spec", gress, index] };
    return peers ? rule : failClosed(rule);
  });
}

function readAnpPort(f: Field): PortMatch | undefined {
  const which = f.oneOf(["portNumber", "namedPort", "portRange"]);
  const v = which ? f.get(which) : undefined;
  switch (which) {
    case "portNumber": {
      v!.object(true);
      const port = readPortNumber(v!.get("port"));
      const protocol = readProtocol(v!.get("protocol"));
      return port === undefined ? undefined : { kind: "range", protocol, first: port, last: port };
    }
    case "namedPort": {
      const name = v!.string({ required: true, nonEmpty: true });
      if (name !== undefined && (name.length > 15 || !PORT_NAME.test(name))) return v!.error("invalid-port", `${JSON.stringify(name)} is not a valid port name`);
      return name === undefined ? undefined : { kind: "named", name };
    }
    case "portRange": {
      v!.object(true);
      const start = readPortNumber(v!.get("start"));
      const end = readPortNumber(v!.get("end"));
      const protocol = readProtocol(v!.get("protocol"));
      if (start === undefined || end === undefined) return undefined;
      if (start >= end) return v!.get("end").error("range", `end ${end} must be greater than start ${start}`);
      return { kind: "range", protocol, first: start, last: end };
    }
    default:
      return undefined;
  }
}

export const adminPolicyFrontEnds: FrontEnd[] = [adminFrontEnd("AdminNetworkPolicy"), adminFrontEnd("BaselineAdminNetworkPolicy")];
