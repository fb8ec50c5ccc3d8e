// An Admin-tier change places classes by group (the classes of one Admin part that the new version
// selects, or does not), not one by one. Where a part's key cannot tell its classes apart the
// groups split: classes without a part yet are split by address family (a part picks the remote's
// address by the local family), and classes whose part's policies name no port that the new
// policy names are split by their declared ports. Checked against the plain evaluator after every change.

import { test } from "node:test";
import assert from "node:assert/strict";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { engineFor } from "../helpers.js";
import { assertAgree, onePolicy as policy, podsAnd, twoNamespaces } from "./fast-agree.js";

const agree = (fast: FastConnectivity, step: string) => assertAgree(fast, podsAnd(fast.inventory), step);

const pod = (ns: string, name: string, ips: string[], labels: string, ports = "") => `---
apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ${ns}, labels: { ${labels} } }
spec: { nodeName: n1, containers: [{ name: c, ports: [${ports}] }] }
status: { podIP: "${ips[0]}", podIPs: [${ips.map((ip) => `{ ip: "${ip}" }`).join(", ")}] }`;

const anp = (name: string, priority: number, subject: string, rules: string) => `---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: { name: ${name} }
spec: { priority: ${priority}, subject: { namespaces: ${subject} }, ${rules} }`;

const ALL = "{}", PROD = "{ matchLabels: { env: prod } }", DEV = "{ matchLabels: { env: dev } }";

const CLUSTER = [
  twoNamespaces("env: prod", "env: dev"),
  // Same namespace and labels, one IPv4 and one IPv6: two classes of different families.
  pod("a", "web4", ["10.1.0.1"], "app: web", "{ name: http, containerPort: 80 }"),
  pod("a", "web6", ["fd00:1::1"], "app: web", "{ name: http, containerPort: 80 }"),
  // Same family and no policy naming http yet: one Admin part, different declared http ports.
  pod("a", "api", ["10.1.0.2"], "app: api", "{ name: http, containerPort: 8080 }"),
  pod("b", "client", ["10.2.0.1", "fd00:2::1"], "app: client"),
  pod("b", "dev6", ["fd00:2::2"], "app: dev", "{ name: http, containerPort: 81 }"),
].join("\n");



test("Admin changes placed by group agree with the plain evaluator: classes without a part split by family, parts split by declared ports", () => {
  const fast = new FastConnectivity(engineFor(CLUSTER));
  agree(fast, "initial");
  // The first egress Admin policy: web4 and web6 had no part; a CIDR peer is matched on the remote's
  // address of the local family (client's IPv4 address from web4, its IPv6 one from web6).
  fast.upsertPolicy(policy(anp("deny-10-2", 10, ALL, `egress: [{ action: Deny, to: [{ networks: ["10.2.0.0/16"] }] }]`)));
  agree(fast, "deny-10-2 added");
  const web = (name: string) => fast.classes.ofEndpoint.get(fast.inventory.endpoints.find((e) => e.name === name)!.id)!;
  assert.notEqual(fast.adminOf.egress[web("web4")], fast.adminOf.egress[web("web6")], "web4 and web6 have Admin parts of their own family");
  // One ingress part for web4 and api (no policy names a port yet)...
  fast.upsertPolicy(policy(anp("deny-9999", 20, PROD, `ingress: [{ action: Deny, from: [{ namespaces: {} }], ports: [{ portNumber: { protocol: TCP, port: 9999 } }] }]`)));
  agree(fast, "deny-9999 added");
  assert.equal(fast.adminOf.ingress[web("web4")], fast.adminOf.ingress[web("api")]);
  // ... which a named port splits: http is 80 on web4, 8080 on api.
  fast.upsertPolicy(policy(anp("deny-http", 30, ALL, `ingress: [{ action: Deny, from: [{ namespaces: ${DEV} }], ports: [{ namedPort: http }] }]`)));
  agree(fast, "deny-http added");
  assert.notEqual(fast.adminOf.ingress[web("web4")], fast.adminOf.ingress[web("api")]);
  // Edits that select other namespaces: the classes of one part split by "selected or not".
  fast.upsertPolicy(policy(anp("deny-http", 30, DEV, `ingress: [{ action: Deny, from: [{ namespaces: ${ALL} }], ports: [{ namedPort: http }, { portNumber: { protocol: TCP, port: 443 } }] }]`)));
  agree(fast, "deny-http moved to dev");
  fast.upsertPolicy(policy(anp("deny-10-2", 10, PROD, `egress: [{ action: Deny, to: [{ networks: ["10.2.0.0/16", "fd00:2::/64"] }] }]`)));
  agree(fast, "deny-10-2 moved to prod, IPv6 too");
  fast.removePolicy({ kind: "AdminNetworkPolicy", name: "deny-9999" });
  agree(fast, "deny-9999 removed");
  fast.removePolicy({ kind: "AdminNetworkPolicy", name: "deny-10-2" });
  agree(fast, "deny-10-2 removed");
  assert.ok(fast.adminOf.egress.every((id) => id === -1), "no egress Admin part is left");
});
