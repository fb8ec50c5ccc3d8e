// Input audit, twenty-second round: what the API server's validation requires of the kinds Junction
// reads (pkg/apis/core/validation ValidatePodSpec and ValidateService, pkg/apis/batch/validation
// ValidateJob), which the OpenAPI schemas do not carry: an object the API server refuses does not
// exist, so it is an error naming its file, line and field, never a pod read silently.

import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../src/model/source.js";
import { load } from "../helpers.js";

const errorsOf = (yaml: string) => load({ "in.yaml": yaml }).diagnostics.errors.map(formatDiagnostic);
const warningsOf = (yaml: string) => load({ "in.yaml": yaml }).diagnostics.items.filter((d) => d.severity === "warning").map(formatDiagnostic);

const POD = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a, labels: {app: p}}\n";
const DEPLOYMENT = (template: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: a}\nspec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n${template}`;

test("a Pod without spec, or with no containers, is refused as the API server refuses it (validateContainers: spec.containers: Required value); it was read as a pod", () => {
  assert.deepEqual(errorsOf(`${POD}status: {podIP: 10.0.0.1}\n`), [
    "in.yaml:1 spec.containers: Required value: the Pod has no spec, so no containers, and the API server refuses it (it validates the zero PodSpec)",
  ]);
  assert.deepEqual(errorsOf(`${POD}spec: {containers: []}\n`), ["in.yaml:4 spec.containers: Required value: a pod has at least one container (the API server refuses the Pod)"]);
  assert.deepEqual(errorsOf(`${POD}spec: {containers: [{name: c, image: i}]}\n`), []);
});

test("a controller's template without spec, or with no containers, is refused (ValidatePodTemplateSpec); a controller without a template stays the front end's one error", () => {
  assert.deepEqual(errorsOf(DEPLOYMENT("")), ["in.yaml:6 spec.template.spec.containers: Required value: the Deployment's template has no spec, so no containers, and the API server refuses it (it validates the zero PodSpec)"]);
  assert.deepEqual(errorsOf(DEPLOYMENT("    spec: {containers: []}\n")), ["in.yaml:8 spec.template.spec.containers: Required value: a pod has at least one container (the API server refuses the Deployment's template)"]);
  const cron = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c, namespace: a}\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        metadata: {labels: {app: c}}\n";
  assert.deepEqual(errorsOf(cron), ["in.yaml:8 spec.jobTemplate.spec.template.spec.containers: Required value: the CronJob's template has no spec, so no containers, and the API server refuses it (it validates the zero PodSpec)"]);
  assert.deepEqual(errorsOf("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: a}\n"), ["in.yaml:1 spec.template: required field is missing"]);
});

test("a container's name is a DNS-1123 label and not empty (validateContainerCommon), in containers and init containers", () => {
  assert.deepEqual(errorsOf(`${POD}spec:\n  initContainers: [{name: "", image: i}]\n  containers: [{name: Web_1, image: i}]\n`), [
    "in.yaml:5 spec.initContainers[0].name: Required value: a container has a name (the API server refuses an empty one)",
    "in.yaml:6 spec.containers[0].name: Invalid value: \"Web_1\" is not a valid DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit) (a container's name is a DNS-1123 label)",
  ]);
  // (A container without an image, which the API server refuses too, is read: docs/input.md.)
  assert.deepEqual(warningsOf(`${POD}spec: {containers: [{name: c}]}\n`), []);
});

const JOB = (spec: string, meta = "name: j, namespace: a") => `apiVersion: batch/v1\nkind: Job\nmetadata: {${meta}}\nspec:\n${spec}  template:\n    metadata: {labels: {app: j}}\n    spec: {restartPolicy: Never, containers: [{name: c, image: i}]}\n`;

test("a Job's selector: with manualSelector it is required and selects the template's labels; without it the API server generates it and refuses one of the manifest's own (ValidateGeneratedSelector)", () => {
  assert.deepEqual(errorsOf(JOB("")), []);
  assert.deepEqual(errorsOf(JOB("  manualSelector: true\n  selector: {matchLabels: {app: j}}\n")), []);
  assert.deepEqual(errorsOf(JOB("  manualSelector: true\n")), ["in.yaml:4 spec.selector: Required value: a Job with manualSelector: true has a selector (the API server refuses it)"]);
  assert.deepEqual(errorsOf(JOB("  manualSelector: true\n  selector: {matchLabels: {app: other}}\n")), ["in.yaml:8 spec.template.metadata.labels: `selector` does not match template `labels` (the API server refuses the Job)"]);
  assert.deepEqual(errorsOf(JOB("  selector: {matchLabels: {app: j}}\n")), [
    "in.yaml:5 spec.selector: Invalid value: `selector` not auto-generated: without manualSelector: true the API server generates the selector (batch.kubernetes.io/controller-uid) and refuses one that does not select its generated labels; remove the selector, or set manualSelector: true",
  ]);
  // A Job the API server stored (a dump) carries its generated selector and labels: read.
  const dump = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j, namespace: a, uid: 1a2b3c, resourceVersion: '7'}\nspec:\n  selector: {matchLabels: {batch.kubernetes.io/controller-uid: 1a2b3c}}\n  template:\n    metadata: {labels: {app: j, batch.kubernetes.io/controller-uid: 1a2b3c, batch.kubernetes.io/job-name: j, controller-uid: 1a2b3c, job-name: j}}\n    spec: {restartPolicy: Never, containers: [{name: c, image: i}]}\n";
  assert.deepEqual(errorsOf(dump), []);
  const cron = (extra: string) => `apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c, namespace: a}\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n${extra}      template:\n        spec: {restartPolicy: Never, containers: [{name: c, image: i}]}\n`;
  assert.deepEqual(errorsOf(cron("      selector: {matchLabels: {app: c}}\n      manualSelector: true\n")), [
    "in.yaml:8 spec.jobTemplate.spec.selector: Invalid value: `selector` will be auto-generated (the API server refuses a CronJob's job template with a selector)",
    "in.yaml:9 spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: \"nil\", \"false\" (the API server refuses it in a CronJob's job template)",
  ]);
});

const SERVICE = (spec: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a}\nspec: ${spec}\n`;

test("a Service: a port's name is a DNS-1123 label, a ClusterIP Service has no nodePort, an ExternalName Service names a DNS subdomain (ValidateService)", () => {
  assert.deepEqual(errorsOf(SERVICE("{selector: {app: p}, ports: [{name: HTTP, port: 80}]}")), [
    "in.yaml:4 spec.ports[0].name: Invalid value: \"HTTP\" is not a valid DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit) (validateServicePort: a Service port's name is a DNS-1123 label; the API server refuses it)",
  ]);
  for (const type of ["", "type: ClusterIP, ", "type: '', "]) {
    assert.deepEqual(errorsOf(SERVICE(`{${type}selector: {app: p}, ports: [{port: 80, nodePort: 30080}]}`)), [
      "in.yaml:4 spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP' (the API server refuses it; kube-proxy opens no node port for a ClusterIP Service)",
    ], type);
  }
  assert.deepEqual(errorsOf(SERVICE("{type: NodePort, selector: {app: p}, ports: [{port: 80, nodePort: 30080}]}")), []);
  assert.deepEqual(errorsOf(SERVICE("{type: ExternalName}")), ["in.yaml:4 spec.externalName: Required value: an ExternalName Service names its external name (the API server refuses it)"]);
  assert.deepEqual(errorsOf(SERVICE("{type: ExternalName, externalName: db_1.example.com}")), ["in.yaml:4 spec.externalName: Invalid value: \"db_1.example.com\" is not a valid DNS-1123 subdomain (lowercase letters, digits, '-' and '.') (the API server refuses it)"]);
  assert.deepEqual(errorsOf(SERVICE("{type: ExternalName, externalName: db.example.com.}")), []);
});

test("a document of 30,000 lone '-' in one flow sequence (each the string \"-\" to kubectl) reads in about the time of 30,000 quoted ones, the line of its error too (it was quadratic: three errors per '-', each prettified with its whole line and a stack trace)", () => {
  const n = 30_000;
  const doc = (item: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\ndata:\n  a: &x "x"\n  b: [${Array(n).fill(item).join(", ")}]\n`;
  const timed = (item: string) => {
    const t0 = Date.now();
    const l = load({ "in.yaml": doc(item) });
    assert.deepEqual(l.diagnostics.errors.map(formatDiagnostic), ["in.yaml:6 data.b: must be a string, not a list"]);
    return Date.now() - t0;
  };
  const quoted = timed('"-"'), lone = timed("-");
  // (Two to three times the quoted ones' time, both through the yaml library (the anchor): 20,000 took
  // 11 s before, 333,000 more than 8 minutes and 1.5 GB.)
  assert.ok(lone < 10 * quoted + 1000, `${lone} ms, quoted ${quoted} ms`);
});
