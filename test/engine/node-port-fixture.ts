// The cluster the node port tests share (kube-proxy.test.ts, service-datapath.test.ts,
// nat-outgoing-nodeport.test.ts): nodes, pod web-1 on node-a behind Service shop/web (80 → 8080 at node
// port 30080), a client pod on node-b at 198.18.0.20, a NetworkPolicy admitting one CIDR to web-1, and kube-proxy's ConfigMap.
// Each piece is one YAML document without its `---`; `docs` joins them.

/** The documents joined with `---` lines. */
export const docs = (...parts: string[]): string => parts.join("---\n");

/** A Node and its addresses, as "Type address" ("InternalIP 10.0.0.1"). */
export const node = (name: string, ...addresses: string[]): string => `apiVersion: v1
kind: Node
metadata: {name: ${name}}
status: {addresses: [${addresses.map((a) => { const [type, address] = a.split(" "); return `{type: ${type}, address: ${address}}`; }).join(", ")}]}
`;

export const SHOP = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
`;

/** Pod shop/web-1 on node-a at 10.1.0.5, ready, with these container ports. */
export const web1 = (ports = "{containerPort: 8080}"): string => `apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec: {nodeName: node-a, containers: [{name: c, image: x, ports: [${ports}]}]}
status: {phase: Running, podIP: 10.1.0.5, conditions: [{type: Ready, status: "True"}]}
`;

/** Pod shop/client on node-b at 198.18.0.20. */
export const CLIENT = `apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop, labels: {app: client}}
spec: {nodeName: node-b, containers: [{name: c, image: x}]}
status: {phase: Running, podIP: 198.18.0.20}
`;

/**
 * Service shop/web selecting web-1 at cluster IP 10.96.0.10: `spec` lines (indented) after its ports, then `status` (a line).
 * Its port has nodePort 30080 when `spec` makes it a NodePort or LoadBalancer Service (the API server refuses a nodePort on a ClusterIP one).
 */
export const webService = (spec: string, status = "", ports = /\btype: (NodePort|LoadBalancer)\b/.test(spec) ? "{port: 80, targetPort: 8080, nodePort: 30080}" : "{port: 80, targetPort: 8080}"): string => `apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  clusterIP: 10.96.0.10
  ports: [${ports}]
${spec}
${status}
`;

/** NetworkPolicy shop/web: web-1 admits `cidr` only. */
export const admitOnly = (cidr: string): string => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{ipBlock: {cidr: ${cidr}}}]}]
`;

/** kube-proxy's own configuration: kubeadm's ConfigMap kube-system/kube-proxy (config.conf), a KubeProxyConfiguration with `conf`'s lines; with its `---`. */
export const kubeProxyConfigMap = (conf: string): string => `---
apiVersion: v1
kind: ConfigMap
metadata: {name: kube-proxy, namespace: kube-system}
data:
  config.conf: |-
    apiVersion: kubeproxy.config.k8s.io/v1alpha1
    kind: KubeProxyConfiguration
${conf.split("\n").map((l) => `    ${l}`).join("\n")}
`;
