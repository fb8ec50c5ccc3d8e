// Writes deploy/junction.yaml: Junction serving a cluster from inside it, with the ClusterRole that
// `junction rbac` prints (run after `npm run build` when a front end adds a kind; a test checks it).

import { writeFileSync } from "node:fs";
import { stringify } from "yaml";
import { clusterRole } from "../dist/src/sources/live/rbac.js";

const app = { "app.kubernetes.io/name": "junction" };
const docs = [
  { apiVersion: "v1", kind: "Namespace", metadata: { name: "junction" } },
  { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "junction", namespace: "junction" }, automountServiceAccountToken: true },
  clusterRole("junction-reader"),
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "junction-reader" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "junction-reader" }, subjects: [{ kind: "ServiceAccount", name: "junction", namespace: "junction" }] },
  { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "junction", namespace: "junction", labels: app }, spec: { replicas: 1, selector: { matchLabels: app }, template: { metadata: { labels: app }, spec: {
    serviceAccountName: "junction",
    securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
    containers: [{ name: "junction", image: "junction:0.1.0", args: ["serve", "-A", "--address", "0.0.0.0", "--port", "7470", "--token-file", "/etc/junction/token"],
      ports: [{ name: "http", containerPort: 7470 }],
      readinessProbe: { httpGet: { path: "/healthz", port: "http" } }, livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 30 },
      resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "4Gi" } },
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
      volumeMounts: [{ name: "token", mountPath: "/etc/junction", readOnly: true }] }],
    volumes: [{ name: "token", secret: { secretName: "junction-token" } }] } } } },
  { apiVersion: "v1", kind: "Service", metadata: { name: "junction", namespace: "junction", labels: app }, spec: { selector: app, ports: [{ name: "http", port: 7470, targetPort: "http" }] } },
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "junction", namespace: "junction" }, spec: { podSelector: { matchLabels: app }, policyTypes: ["Ingress"], ingress: [{ ports: [{ port: "http" }] }] } },
];
const header = [
  "# Junction in a cluster: `junction serve -A` with the in-cluster service account, read-only.",
  "# Build the image with deploy/Dockerfile; create the bearer token first:",
  "#   kubectl create namespace junction",
  "#   kubectl -n junction create secret generic junction-token --from-literal=token=$(openssl rand -hex 24)",
  "# then: kubectl apply -f deploy/junction.yaml; kubectl -n junction port-forward svc/junction 7470",
  "# Written by scripts/write-deploy.mjs; the ClusterRole is what `junction rbac` prints (a test keeps them equal).",
];
writeFileSync("deploy/junction.yaml", header.join("\n") + "\n" + docs.map((d) => stringify(d, { lineWidth: 0 })).join("---\n"));
