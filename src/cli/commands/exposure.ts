// junction exposure: what Gateways, Ingresses, Routes, LoadBalancer and NodePort Services expose,
// and whether the policies let the traffic through.

import { exposureReport, type ExposureReport } from "../../analyze/exposure.js";
import { renderJson, renderYaml } from "../../targets/data.js";
import { exposureData, exposureTable } from "../../targets/exposure.js";
import { EXIT, str, type Command } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, loadAnalysis, outputOption } from "../inputs.js";
import type { Analysis } from "../analysis.js";

/** The exposure report; its JSON document (exposureData) is what GET /api/v1/exposure serves. */
export function exposureResult(a: Analysis): ExposureReport {
  return exposureReport(a.inventory, a.engine, a.gateways, a.connectivity);
}

export const exposureCommand: Command = {
  name: "exposure",
  summary: "What each Gateway, Ingress, Route, LoadBalancer and NodePort Service exposes, and whether the policies allow it.",
  usage: "junction exposure -f PATH [-o table|json|yaml] [--check]",
  description: [
    "One row per exposed workload port: the entry (listener, hosts, paths or port), the backend, the workload and",
    "target port behind it, and whether the policies allow the last hop: from the Gateway's pods (labelled",
    "gateway.networking.k8s.io/gateway-name), the ingress-nginx controller pods (app.kubernetes.io/name=ingress-nginx),",
    "the OpenShift router pods, or addresses outside the cluster for LoadBalancer and NodePort Services. When the",
    "input has no such pods, a stand-in pod is assumed and named. Redirect-only rules expose nothing.",
    "Then, per port, what the policies open to outside addresses although nothing routes to it (a workload without",
    "any route, or the other ports of a routed one).",
    "Exit status: 0; with --check, 1 when a hop is blocked or a port is open without a route; 2 invalid input.",
  ].join("\n"),
  options: {
    ...INPUT_OPTIONS, ...outputOption(["table", "json", "yaml"], "table"),
    check: { type: "boolean", description: "exit 1 when policies block an exposure or a workload is open to the outside without a route" },
    ...ENGINE_OPTIONS,
  },
  examples: ["junction exposure -f examples/ingress", "junction exposure -f manifests/ -o json --check"],
  run(values, _pos, io) {
    const report = exposureResult(loadAnalysis(values, io));
    const format = str(values, "output");
    io.out(format === "json" ? renderJson(exposureData(report)) : format === "yaml" ? renderYaml(exposureData(report)) : exposureTable(report));
    const flagged = report.exposures.some((e) => e.targets.some((t) => t.hop !== "allowed")) || report.unrouted.length > 0;
    return values.check === true && flagged ? EXIT.failed : EXIT.ok;
  },
};
