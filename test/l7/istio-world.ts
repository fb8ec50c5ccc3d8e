// A small Istio mesh for the compile --target istio tests: namespaces with sidecar injection
// (web labelled team=web), running pods with istio-proxy, a Service for shop/api, and common-API
// policies with request rules for it.

import { service } from "./fixture.js";

const ns = (name: string, labels: Record<string, string> = {}) => `apiVersion: v1
kind: Namespace
metadata: {name: ${name}, labels: ${JSON.stringify({ "istio-injection": "enabled", ...labels })}}
---
`;

/** A running pod with Istio's sidecar (the proxy container the injector adds). */
const pod = (namespace: string, name: string, ip: string, sa: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${namespace}, labels: {app: ${name}}}
spec: {serviceAccountName: ${sa}, containers: [{name: app, ports: [{name: http, containerPort: 8080}]}, {name: istio-proxy}]}
status: {podIP: ${ip}}
---
`;

export const WORLD = ns("shop") + ns("web", { team: "web" }) + ns("other")
  + pod("shop", "api", "10.0.0.1", "api") + pod("shop", "batch", "10.0.0.2", "batch")
  + pod("web", "front", "10.0.1.1", "front") + pod("web", "admin", "10.0.1.2", "admin")
  + pod("other", "tool", "10.0.2.1", "tool") + service("shop", "api", [["http", 80, 8080]]);

export const POLICY = `apiVersion: junction.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: no-admin-paths}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}, workloads: {matchLabels: {app: api}}}
  ingress:
  - action: Deny
    http: [{paths: [{prefix: /admin}]}]
---
apiVersion: junction.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: api, namespace: shop}
spec:
  tier: Namespace
  subject: {workloads: {matchLabels: {app: api}}}
  ingress:
  - action: Deny
    from: [{namespaces: {matchLabels: {team: web}}, serviceAccounts: [admin]}]
    http: [{methods: [DELETE]}]
  - action: Allow
    from: [{namespaces: {matchLabels: {team: web}}}]
    ports: [{port: 8080}]
    http:
    - {methods: [GET, HEAD], paths: [{prefix: /items}, {template: "/orders/{*}"}], hosts: [api.shop]}
    - {methods: [POST, DELETE], headers: ["X-Token"]}
  - action: Allow
    from: [{principals: [cluster.local/ns/shop/sa/batch]}]
`;
