// A request to a Gateway: routed by the gateway engine; then, when the Gateway's pods are in the
// input, the hop from a Gateway pod to the chosen backend's endpoints and the authorizers there.

import type { RouteRequest } from "../../model/request.js";
import { gatewayEndpointReader } from "../gateway/backends.js";
import { GATEWAY_NAME_LABEL, gatewayPods } from "../gateway/pods.js";
import { routeRequest } from "../gateway/route.js";
import type { Party } from "../match.js";
import { backendServing } from "../serving.js";
import { emptyAnswer, step, type RequestAnswer, type Walk, type WalkContext } from "./answer.js";
import { pickedBackend } from "./backends.js";
import { serve } from "./serve.js";

export function gatewayEntry(ctx: WalkContext, req: RouteRequest, client: Party | undefined): RequestAnswer {
  const address = client?.address ?? client?.endpoint?.addresses[0];
  const routed = routeRequest(ctx.gateways, address ? { ...req, clientAddress: address } : req);
  const w: Walk = { ctx, req, client, res: emptyAnswer(req, { kind: "gateway", gateway: routed.gateway, listener: routed.listener }, routed) };
  step(w, "entry", routed.gateway ? "passed" : "decided", routed.gateway ? `Gateway ${routed.gateway}${routed.listener ? `, listener ${routed.listener}` : ""}` : routed.reason);
  if (!routed.gateway) return w.res;
  if (!routed.backend || routed.connection) { step(w, "routing", "decided", routed.reason); return w.res; }
  step(w, "routing", "passed", routed.reason);
  const picked = pickedBackend(ctx.gateways.routes, routed);
  const [gwNamespace, gwName] = routed.gateway.split("/", 2);
  const pods = gatewayPods(ctx.inv, gwNamespace, gwName);
  const controller = ctx.gateways.gateway(gwNamespace, gwName)?.gatewayClass?.controllerName;
  const endpoints = picked ? backendServing(ctx.inv, picked, { reader: gatewayEndpointReader(controller) }) : undefined;
  const unchecked = !pods.length ? `the Gateway's pods (label ${GATEWAY_NAME_LABEL}=${gwName}) are not in the input`
    : !endpoints?.known || !endpoints.serving.length ? `the endpoints of ${routed.backend} are not in the input` : undefined;
  if (unchecked) {
    step(w, "network", "bypassed", `${unchecked}: the hop from the Gateway to the backend is not checked`);
    step(w, "backend", "decided", routed.reason);
    return w.res;
  }
  const svc = picked?.service && picked.servicePort ? { name: `${picked.service.namespace}/${picked.service.name}`, port: picked.servicePort.port } : undefined;
  w.via = { ...(controller ? { controller } : {}), ...(svc ? { service: svc } : {}) };
  return serve(w, { endpoint: pods[0] }, endpoints!, false);
}
