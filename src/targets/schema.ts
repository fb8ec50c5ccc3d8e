// JSON Schemas (draft-07, what yaml-language-server reads) for the common API's kinds, so editors
// validate and complete them. They describe the same fields the front ends read; the front ends
// stay the authority (they also check what a schema cannot, e.g. CIDR except containment).

type Schema = Record<string, unknown>;

const API = "junction.dev/v1alpha1";
const str = (description: string, extra: Schema = {}): Schema => ({ type: "string", description, ...extra });
const list = (items: Schema, description: string, minItems = 1): Schema => ({ type: "array", items, minItems, description });
const obj = (properties: Record<string, Schema>, description: string, required: string[] = [], extra: Schema = {}): Schema =>
  ({ type: "object", description, properties, additionalProperties: false, ...(required.length ? { required } : {}), ...extra });

const labelSelector = (description: string): Schema => obj({
  matchLabels: { type: "object", additionalProperties: { type: "string" }, description: "labels that must all be present with these values" },
  matchExpressions: list(obj({
    key: str("label key"),
    operator: { enum: ["In", "NotIn", "Exists", "DoesNotExist"] },
    values: list({ type: "string" }, "values for In and NotIn; empty for Exists and DoesNotExist", 0),
  }, "a label requirement", ["key", "operator"]), "requirements that must all hold", 0),
}, `${description} (a Kubernetes label selector; {} selects everything)`);

const cidr = str("an IPv4 or IPv6 CIDR, e.g. 10.0.0.0/8", { pattern: "^[0-9a-fA-F:.]+/[0-9]{1,3}$" });
const port = { oneOf: [{ type: "integer", minimum: 1, maximum: 65535 }, { type: "string", pattern: "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", maxLength: 15 }] };
const protocol = { enum: ["TCP", "UDP", "SCTP"], description: "default TCP" };
const metadata = (namespaced: "never" | "optional"): Schema => obj({
  name: str("DNS-1123 subdomain", { pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength: 253 }),
  ...(namespaced === "optional" ? { namespace: str("namespace (DNS-1123 label)") } : {}),
  labels: { type: "object", additionalProperties: { type: "string" } },
  annotations: { type: "object", additionalProperties: { type: "string" } },
}, "object metadata", ["name"], { additionalProperties: true });

const endpointFields: Record<string, Schema> = {
  namespaces: { oneOf: [labelSelector("namespaces by their labels"), { const: "*", description: "anywhere, cluster-scoped Workloads included" }], description: "namespaces by their labels, or \"*\"; omitted: the policy's own namespace (namespaced policy) or anywhere" },
  workloads: labelSelector("pods and Workloads by their labels"),
  serviceAccounts: list({ type: "string" }, "only endpoints running as one of these service accounts"),
  kinds: list({ enum: ["Pod", "Workload"] }, "which kinds of endpoint (default both)"),
};

const peer: Schema = {
  description: "one peer: endpoints (namespaces/workloads/serviceAccounts/kinds) or exactly one of networks, cidrs, nodes, clusters, domains",
  oneOf: [
    obj(endpointFields, "pods and Workloads", [], { minProperties: 1 }),
    obj({ networks: labelSelector("junction Networks by label") }, "addresses of Networks", ["networks"]),
    obj({ cidrs: list(cidr, "address blocks"), except: list(cidr, "blocks inside the cidrs to leave out", 0), outside: { type: "boolean", description: "match only addresses that are no pod's or node's (Cilium CIDR semantics)" } }, "address blocks", ["cidrs"]),
    obj({ nodes: labelSelector("nodes by label (and host-network pods on them)") }, "nodes", ["nodes"]),
    obj({ clusters: labelSelector("Clusters by label: their pod CIDRs and egress NAT addresses") }, "clusters", ["clusters"]),
    obj({ domains: list(str("DNS name; '*.' prefix allowed"), "DNS names (egress Allow only)") }, "domain names", ["domains"]),
    obj({ principals: list(str("TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT (spiffe:// optional; the service account may be *)", { pattern: "^(spiffe://)?[^/*]+/ns/[^/*]+/sa/([^/*]+|\\*)$" }), "identities") }, "identities: the pods and Workloads running as those service accounts", ["principals"]),
  ],
};

const regexObject = obj({ regex: str("RE2 regular expression over the whole value") }, "a regular expression", ["regex"]);
const pathMatch: Schema = {
  oneOf: [
    str("a regular expression (RE2) over the whole path, without the query string"),
    obj({ exact: str("the path", { pattern: "^/" }) }, "exactly this path", ["exact"]),
    obj({ prefix: str("a path prefix of whole segments", { pattern: "^/" }) }, "this path and the paths below it (/api matches /api and /api/x, not /apix)", ["prefix"]),
    obj({ template: str("a path template: {*} one segment, {**} any number of segments (last operator only)", { pattern: "^/" }) }, "a path template", ["template"]),
    obj({ regex: str("RE2 regular expression over the whole path"), query: { type: "boolean", description: "match the path with its query string (as Cilium does)" } }, "a regular expression", ["regex"]),
  ],
};

const rule = (peersKey: "from" | "to"): Schema => obj({
  name: str("a name shown in explanations"),
  action: { enum: ["Allow", "Deny", "Pass"], description: "Allow, Deny, or Pass to the next tier (Pass not in Baseline)" },
  [peersKey]: list(peer, "peers (any may match); omitted: every peer"),
  ports: list(obj({ protocol, port, endPort: { type: "integer", minimum: 1, maximum: 65535 } }, "a port number or name, a range (port..endPort), or a whole protocol"), "ports (any may match); omitted: every port"),
  http: list(obj({
    methods: list({ oneOf: [str("HTTP method, e.g. GET", { pattern: "^[A-Z]+$" }), regexObject] }, "methods (any)"),
    paths: list(pathMatch, "paths (any); matched after dot segments are removed"),
    hosts: list({ oneOf: [str("a host name, or *.domain; any case, any port"), regexObject] }, "hosts (any)"),
    headers: list(str("'Name' (present) or 'Name: value' (exact)"), "headers (all)"),
  }, "an HTTP request match: every list given must match"), "per-request matches (any): the rule matches a request only when one does; Deny and Pass rules with http decide requests only"),
}, `a rule: the first matching rule by priority decides`, ["action"]);

const trafficPolicy: Schema = obj({
  apiVersion: { const: API }, kind: { const: "TrafficPolicy" },
  metadata: metadata("optional"),
  spec: obj({
    tier: { enum: ["Admin", "Namespace", "Baseline"], description: "Admin: before namespace policies; Namespace: selected endpoints are isolated; Baseline: after" },
    priority: { type: "number", minimum: 0, description: "lower first; required in the Admin tier; default 1000 (where NetworkPolicies sit)" },
    subject: obj(endpointFields, "the endpoints the policy applies to ({} : all)"),
    ingress: list(rule("from"), "rules for traffic to the subject; [] isolates in the Namespace tier", 0),
    egress: list(rule("to"), "rules for traffic from the subject; [] isolates in the Namespace tier", 0),
  }, "one rule language for every tier and every kind of endpoint", ["tier", "subject"]),
}, "TrafficPolicy (junction.dev/v1alpha1)", ["apiVersion", "kind", "metadata", "spec"]);

const workload: Schema = obj({
  apiVersion: { const: API }, kind: { const: "Workload" }, metadata: metadata("optional"),
  spec: obj({
    addresses: list(str("IP address"), "the Workload's addresses"),
    ports: list(obj({ name: str("port name"), port: { type: "integer", minimum: 1, maximum: 65535 }, protocol }, "a port it serves", ["port"]), "named ports", 0),
    serviceAccount: str("its identity, as a pod's service account (namespaced Workloads): TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT"),
  }, "a VM, bare-metal host or appliance", ["addresses"]),
}, "Workload (junction.dev/v1alpha1): a non-pod endpoint; without metadata.namespace it is cluster-scoped", ["apiVersion", "kind", "metadata", "spec"]);

const network: Schema = obj({
  apiVersion: { const: API }, kind: { const: "Network" }, metadata: metadata("never"),
  spec: obj({ cidrs: list(cidr, "its address blocks") }, "a labelled set of external addresses", ["cidrs"]),
}, "Network (junction.dev/v1alpha1)", ["apiVersion", "kind", "metadata", "spec"]);

const cluster: Schema = obj({
  apiVersion: { const: API }, kind: { const: "Cluster" }, metadata: metadata("never"),
  spec: obj({
    podCIDRs: list(cidr, "pod address blocks"), serviceCIDRs: list(cidr, "Service address blocks", 0),
    egressNAT: list(cidr, "addresses its pods' traffic leaves with", 0),
  }, "a cluster's address plan", ["podCIDRs"]),
}, "Cluster (junction.dev/v1alpha1)", ["apiVersion", "kind", "metadata", "spec"]);

export const SCHEMAS: Record<string, Schema> = { TrafficPolicy: trafficPolicy, Workload: workload, Network: network, Cluster: cluster };

/** The schema of one kind, or of any common-API object (chosen by its kind). */
export function schemaFor(kind?: string): Schema {
  const base = { $schema: "http://json-schema.org/draft-07/schema#" };
  if (kind) return { ...base, $id: `https://junction.dev/schemas/v1alpha1/${kind.toLowerCase()}.json`, title: kind, ...SCHEMAS[kind] };
  return {
    ...base, $id: "https://junction.dev/schemas/v1alpha1/all.json", title: "junction.dev/v1alpha1",
    allOf: Object.entries(SCHEMAS).map(([k, s]) => ({ if: { properties: { kind: { const: k } }, required: ["kind"] }, then: s })),
  };
}
