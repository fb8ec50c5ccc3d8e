// Manifests for the multi-network tests: namespaces on primary user-defined networks, Multus
// networks, KubeVirt VMs. Written after np-guard/netpol-analyzer's tests (udn_*, cudn_*, nad_*, vm
// examples), reduced to what each rule needs.

export const ns = (name: string, labels: Record<string, string> = {}) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${name}
  labels: {${Object.entries({ ...labels }).map(([k, v]) => `"${k}": "${v}"`).join(", ")}}
---
`;

export const UDN_LABEL = { "k8s.ovn.org/primary-user-defined-network": "" };

export const udn = (namespace: string, name = "primary", role = "Primary") => `apiVersion: k8s.ovn.org/v1
kind: UserDefinedNetwork
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  topology: Layer2
  layer2: {role: ${role}, subnets: ["10.100.0.0/16"]}
---
`;

export const cudn = (name: string, selector: Record<string, string>) => `apiVersion: k8s.ovn.org/v1
kind: ClusterUserDefinedNetwork
metadata: {name: ${name}}
spec:
  namespaceSelector:
    matchLabels: {${Object.entries(selector).map(([k, v]) => `"${k}": "${v}"`).join(", ")}}
  network:
    topology: Layer3
    layer3: {role: Primary, subnets: [{cidr: "10.200.0.0/16"}]}
---
`;

export const pod = (namespace: string, name: string, labels: Record<string, string> = { app: name }, annotations: Record<string, string> = {}, ip?: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${namespace}
  labels: {${Object.entries(labels).map(([k, v]) => `"${k}": "${v}"`).join(", ")}}
  annotations: {${Object.entries(annotations).map(([k, v]) => `"${k}": ${JSON.stringify(v)}`).join(", ")}}
spec:
  containers: [{name: c, image: nginx, ports: [{containerPort: 8080, name: http}]}]
${ip ? `status: {phase: Running, podIP: ${ip}, podIPs: [{ip: ${ip}}]}\n` : ""}---
`;

export const nad = (namespace: string, name: string) => `apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  config: '{"cniVersion": "0.3.1", "name": "${name}", "type": "ovn-k8s-cni-overlay", "topology": "layer2"}'
---
`;

export const vm = (namespace: string, name: string, labels: Record<string, string>, extra = "") => `apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  runStrategy: Always
  template:
    metadata:
      labels: {${Object.entries(labels).map(([k, v]) => `"${k}": "${v}"`).join(", ")}}
    spec:
      domain:
        devices:
          interfaces: [{name: default, masquerade: {}}]
${extra}      networks: [{name: default, pod: {}}]
---
`;

export const denyAll = (namespace: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: ${namespace}}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
`;
