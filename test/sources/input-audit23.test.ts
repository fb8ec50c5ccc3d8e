// Input audit, twenty-third round: what the API server's validation refuses in Pods, templates,
// Services and NetworkPolicies that the OpenAPI schemas leave as free strings or numbers
// (pkg/apis/core/validation ValidatePodCreate, ValidatePodTemplateSpec, ValidatePodSpec,
// ValidateService, validateServicePort; pkg/apis/networking/validation ValidateNetworkPolicySpec).
// An object the API server refuses does not exist: an error naming its file, line and field.

import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../src/model/source.js";
import { load } from "../helpers.js";

const errorsOf = (yaml: string) => load({ "in.yaml": yaml }).diagnostics.errors.map(formatDiagnostic);

const POD = (spec: string, meta = "name: p, namespace: a") => `apiVersion: v1\nkind: Pod\nmetadata: {${meta}}\nspec:\n  containers: [{name: c, image: i}]\n${spec}`;

test("ephemeral containers: refused in a Pod created from a manifest (ValidatePodCreate: cannot be set on create) and in every template; a dump's pod keeps them", () => {
  const eph = "  ephemeralContainers: [{name: debug, image: busybox}]\n";
  assert.deepEqual(errorsOf(POD(eph)), [
    "in.yaml:6 spec.ephemeralContainers: Forbidden: cannot be set on create (the API server refuses the Pod; kubectl debug adds ephemeral containers to a running pod through its ephemeralcontainers subresource)",
  ]);
  // A pod the server stored (kubectl get -o yaml after kubectl debug) carries them.
  assert.deepEqual(errorsOf(POD(eph, "name: p, namespace: a, uid: 1a2b, resourceVersion: '9'")), []);
  assert.deepEqual(errorsOf(`${POD(eph, "name: p, namespace: a")}status: {podIP: 10.0.0.1}\n`), []);
  const deployment = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: a}\nspec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n      containers: [{name: c, image: i}]\n      ephemeralContainers: [{name: debug, image: busybox}]\n`;
  assert.deepEqual(errorsOf(deployment), [
    "in.yaml:10 spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template (the API server refuses it; kubectl debug adds them to a running pod)",
  ]);
  // Even in a dump: the API server never stores a template with them.
  assert.equal(errorsOf(deployment.replace("namespace: a}", "namespace: a, uid: u1}")).length, 1);
});

test("a PodSpec's restartPolicy, dnsPolicy, hostname, subdomain and nodeName are validated (ValidatePodSpec, validateDNSPolicy, validatePodDNSConfig, ValidateNodeName)", () => {
  assert.deepEqual(errorsOf(POD("  restartPolicy: always\n  dnsPolicy: clusterFirst\n  hostname: Web_1\n  subdomain: a.b\n  nodeName: Node 1\n")), [
    "in.yaml:6 spec.restartPolicy: Unsupported value: \"always\": supported values: \"Always\", \"OnFailure\", \"Never\" (the API server refuses the Pod)",
    "in.yaml:7 spec.dnsPolicy: Unsupported value: \"clusterFirst\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\" (the API server refuses it)",
    "in.yaml:8 spec.hostname: Invalid value: \"Web_1\" is not a valid DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit) (a pod's hostname is a DNS-1123 label; the API server refuses it)",
    "in.yaml:9 spec.subdomain: Invalid value: \"a.b\" is not a valid DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit) (a pod's subdomain is a DNS-1123 label; the API server refuses it)",
    "in.yaml:10 spec.nodeName: Invalid value: \"Node 1\" is not a valid DNS-1123 subdomain (lowercase letters, digits, '-' and '.') (a node's name is a DNS-1123 subdomain; the API server refuses it)",
  ]);
  assert.deepEqual(errorsOf(POD("  dnsPolicy: None\n")), ["in.yaml:4 spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None (the API server refuses it)"]);
  assert.deepEqual(errorsOf(POD("  dnsPolicy: None\n  dnsConfig: {searches: [a.svc]}\n")), ["in.yaml:7 spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None (the API server refuses it)"]);
  // Valid values, and the empty ones SetDefaults_PodSpec fills in.
  assert.deepEqual(errorsOf(POD("  restartPolicy: OnFailure\n  dnsPolicy: None\n  dnsConfig: {nameservers: [10.0.0.10]}\n  hostname: web-0\n  subdomain: web\n  nodeName: ip-10-0-0-1.ec2.internal\n")), []);
  assert.deepEqual(errorsOf(POD("  restartPolicy: ''\n  dnsPolicy: ''\n  hostname: ''\n  nodeName: ''\n")), []);
  // A template's hostname is checked too (its restartPolicy is the workload's own rule).
  const sts = `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s, namespace: a}\nspec:\n  selector: {matchLabels: {app: s}}\n  template:\n    metadata: {labels: {app: s}}\n    spec:\n      subdomain: My.Svc\n      containers: [{name: c, image: i}]\n`;
  assert.deepEqual(errorsOf(sts), ["in.yaml:9 spec.template.spec.subdomain: Invalid value: \"My.Svc\" is not a valid DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit) (a pod's subdomain is a DNS-1123 label; the API server refuses it)"]);
});

const SERVICE = (spec: string, type = "ClusterIP") => `apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a}\nspec:\n  type: ${type}\n  selector: {app: a}\n${spec}`;

test("a Service's sessionAffinity, load balancer fields, appProtocol and node ports are validated (ValidateService, validateServicePort, validateLoadBalancerClassField)", () => {
  assert.deepEqual(errorsOf(SERVICE("  sessionAffinity: ClientIp\n  ports: [{port: 80}]\n")), ["in.yaml:7 spec.sessionAffinity: Unsupported value: \"ClientIp\": supported values: \"ClientIP\", \"None\" (the API server refuses the Service)"]);
  assert.deepEqual(errorsOf(SERVICE("  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 86401}}\n  ports: [{port: 80}]\n")), ["in.yaml:8 spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400 (the API server refuses the Service)"]);
  // SetDefaults_Service drops the config of an affinity None: not refused.
  assert.deepEqual(errorsOf(SERVICE("  sessionAffinity: None\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 0}}\n  ports: [{port: 80}]\n")), []);
  assert.deepEqual(errorsOf(SERVICE("  loadBalancerClass: example.com/lb\n  allocateLoadBalancerNodePorts: false\n  ports: [{port: 80, nodePort: 30080}]\n", "NodePort")), [
    "in.yaml:7 spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer' (the API server refuses the Service)",
    "in.yaml:8 spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer' (the API server refuses the Service)",
  ]);
  assert.deepEqual(errorsOf(SERVICE("  loadBalancerClass: example.com/lb\n  allocateLoadBalancerNodePorts: false\n  ports: [{port: 80}]\n", "LoadBalancer")), []);
  assert.deepEqual(errorsOf(SERVICE("  loadBalancerClass: my lb\n  ports: [{port: 80}]\n", "LoadBalancer")), [
    "in.yaml:7 spec.loadBalancerClass: Invalid value: \"my lb\": a load balancer class is a qualified name (an optional DNS subdomain prefix and '/', then at most 63 characters: alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric; the API server refuses the Service)",
  ]);
  assert.deepEqual(errorsOf(SERVICE("  ports: [{name: a, port: 80, appProtocol: kubernetes.io/h2c}, {name: b, port: 81, appProtocol: 'HTTP/2'}]\n")), [
    "in.yaml:7 spec.ports[1].appProtocol: Invalid value: \"HTTP/2\": an appProtocol is a qualified name (a name such as http, or a domain-prefixed one such as example.com/proto: alphanumerics, '-', '_' or '.'; the API server refuses the Service)",
  ]);
  assert.deepEqual(errorsOf(SERVICE("  ports: [{name: a, port: 80, nodePort: 30080}, {name: b, port: 81, nodePort: 30080}, {name: c, port: 82, protocol: UDP, nodePort: 30080}]\n", "NodePort")), [
    "in.yaml:7 spec.ports[1].nodePort: Duplicate value: node port TCP/30080 is used twice (the API server refuses the Service)",
  ]);
});

test("a NetworkPolicy with more than two policyTypes is refused (ValidateNetworkPolicySpec: may not specify more than two policyTypes), a repeated type included", () => {
  const np = (types: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: a}\nspec:\n  podSelector: {}\n  policyTypes: ${types}\n`;
  assert.deepEqual(errorsOf(np("[Ingress, Egress, Ingress]")), ["in.yaml:6 spec.policyTypes: Invalid value: 3 policyTypes: may not specify more than two policyTypes (the API server refuses the NetworkPolicy)"]);
  // Two of one type are accepted (only the count is checked).
  assert.deepEqual(errorsOf(np("[Egress, Egress]")), []);
});

test("an empty serviceAccountName is the deprecated serviceAccount, else default (Convert_v1_PodSpec_To_core_PodSpec, ServiceAccount admission): it was an account named \"\", another principal", () => {
  const account = (spec: string) => load({ "p.yaml": POD(spec) }).inventory.endpoints[0].serviceAccount;
  assert.equal(account("  serviceAccountName: ''\n"), undefined);
  assert.equal(account("  serviceAccountName: ''\n  serviceAccount: legacy\n"), "legacy");
  assert.equal(account("  serviceAccountName: web\n  serviceAccount: legacy\n"), "web");
  assert.equal(account("  serviceAccount: legacy\n"), "legacy");
});

test("a PodSpec's service account is a DNS-1123 subdomain (ValidateServiceAccountName, after the conversion), its nodeSelector labels, a host alias's ip an address", () => {
  assert.deepEqual(errorsOf(POD("  serviceAccountName: Web SA\n")), ["in.yaml:6 spec.serviceAccountName: Invalid value: \"Web SA\" is not a valid DNS-1123 subdomain (lowercase letters, digits, '-' and '.') (a service account's name is a DNS-1123 subdomain; the API server refuses it)"]);
  assert.deepEqual(errorsOf(POD("  serviceAccountName: ''\n  serviceAccount: Legacy\n")), ["in.yaml:7 spec.serviceAccount: Invalid value: \"Legacy\" is not a valid DNS-1123 subdomain (lowercase letters, digits, '-' and '.') (a service account's name is a DNS-1123 subdomain; the API server refuses it)"]);
  assert.deepEqual(errorsOf(POD("  nodeSelector: {kubernetes.io/os: linux, zone: 'eu west'}\n  hostAliases: [{ip: 10.0.0.1}, {ip: 010.0.0.2}, {ip: db.local}]\n")), [
    "in.yaml:6 spec.nodeSelector.zone: Invalid value: label value \"eu west\" is invalid (at most 63 characters, alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric) (a nodeSelector is labels; the API server refuses it)",
    "in.yaml:7 spec.hostAliases[2].ip: Invalid value: \"db.local\": must be a valid IP address (the API server refuses it)",
  ]);
});

test("a Service's trafficDistribution is one of three (validateServiceTrafficDistribution); a Namespace's spec.finalizers are finalizer names (ValidateNamespace)", () => {
  assert.deepEqual(errorsOf(SERVICE("  trafficDistribution: PreferZone\n  ports: [{port: 80}]\n")), ["in.yaml:7 spec.trafficDistribution: Unsupported value: \"PreferZone\": supported values: \"PreferClose\", \"PreferSameZone\", \"PreferSameNode\" (the API server refuses the Service)"]);
  for (const ok of ["PreferClose", "PreferSameZone", "PreferSameNode"]) assert.deepEqual(errorsOf(SERVICE(`  trafficDistribution: ${ok}\n  ports: [{port: 80}]\n`)), []);
  assert.deepEqual(errorsOf("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\nspec: {finalizers: [kubernetes, example.com/keep, cleanup]}\n"), [
    "in.yaml:4 spec.finalizers[2]: Invalid value: \"cleanup\": name is neither a standard finalizer name nor is it fully qualified (write a domain-prefixed name such as example.com/cleanup, or kubernetes, orphan or foregroundDeletion)",
  ]);
});

test("an annotation's key is a qualified name in any case (apimachinery ValidateAnnotations: IsQualifiedName(strings.ToLower(k)))", () => {
  const ns = (annotations: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  annotations: {${annotations}}\n`;
  assert.deepEqual(errorsOf(ns("Example.COM/Owner: team, Foo_Bar: x, kubectl.kubernetes.io/last-applied-configuration: '{}'")), []);
  assert.deepEqual(errorsOf(ns("'owner team': x, a/b/c: x")), [
    "in.yaml:5 metadata.annotations.owner team: Invalid value: \"owner team\": an annotation's key is a qualified name (an optional DNS subdomain prefix and '/', then at most 63 characters: alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric; any case); the API server refuses the object",
    "in.yaml:5 metadata.annotations.a/b/c: Invalid value: \"a/b/c\": an annotation's key is a qualified name (an optional DNS subdomain prefix and '/', then at most 63 characters: alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric; any case); the API server refuses the object",
  ]);
  assert.equal(errorsOf(ns(`example.com/${"k".repeat(64)}: x`)).length, 1);
  // ValidatePodTemplateSpec: a template's annotations as well.
  const deployment = `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: a}\nspec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}, annotations: {'sidecar inject': 'true'}}\n    spec: {containers: [{name: c, image: i}]}\n`;
  assert.deepEqual(errorsOf(deployment), ["in.yaml:7 spec.template.metadata.annotations.sidecar inject: Invalid value: \"sidecar inject\": an annotation's key is a qualified name (an optional DNS subdomain prefix and '/', then at most 63 characters: alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric; any case); the API server refuses the object"]);
});
