// A small cluster for the compile --target cilium tests: namespaces (web labelled team=web), pods
// without a mesh proxy (Cilium's node proxy enforces its L7 rules), a Service for shop/api, and
// common-API policies with request rules for it.

import { pod, service } from "./fixture.js";

const ns = (name: string, labels: Record<string, string> = {}) => `apiVersion: v1
kind: Namespace
metadata: {name: ${name}, labels: ${JSON.stringify(labels)}}
---
`;

export const WORLD = ns("shop") + ns("web", { team: "web" }) + ns("other")
  + pod("shop", "api", "10.0.0.1") + pod("shop", "batch", "10.0.0.2")
  + pod("web", "front", "10.0.1.1") + pod("web", "admin", "10.0.1.2")
  + pod("other", "tool", "10.0.2.1") + service("shop", "api", [["http", 80, 8080]]);

export const POLICY = `apiVersion: junction.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: guard}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}, workloads: {matchLabels: {app: api}}}
  ingress:
  - action: Deny
    from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: other}}}]
    ports: [{port: 9090}]
---
apiVersion: junction.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: api, namespace: shop}
spec:
  tier: Namespace
  subject: {workloads: {matchLabels: {app: api}}}
  ingress:
  - action: Allow
    from: [{namespaces: {matchLabels: {team: web}}}]
    ports: [{port: 8080}]
    http:
    - {methods: [GET, HEAD], paths: [{prefix: /items}, {template: "/orders/{*}"}, {exact: /}], hosts: [api.shop]}
    - {methods: [POST], headers: ["X-Token"]}
  - action: Allow
    from: [{serviceAccounts: [batch]}]
    ports: [{port: http}]
    http: [{paths: [{regex: "/report\\\\?day=[0-9]+", query: true}]}]
  - action: Allow
    from: [{principals: [cluster.local/ns/other/sa/tool]}]
    ports: [{port: 8080}]
`;
