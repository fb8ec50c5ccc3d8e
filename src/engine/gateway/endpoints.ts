// How a backend's endpoints are described in an answer's explanation.

import { chooseEndpoints, type EndpointReader } from "../../model/service-endpoints.js";
import type { ResolvedBackend } from "./backends.js";

const SHOWN = 8;

/** `panicThreshold`: Envoy's for an "envoy-gateway" reader (chooseEndpoints). */
export function endpointsOutcome(b: ResolvedBackend, reader: EndpointReader = "proxy", panicThreshold?: number): string {
  const e = b.endpoints!;
  const port = b.servicePort ? ` port ${b.servicePort.port}` : "";
  if (e.from === "unknown") return `Service ${b.name}${port}: endpoints not in the input (${e.note})`;
  // The endpoints the Gateway's data plane sends to (gatewayEndpointReader); the answer says what the others are.
  const choice = chooseEndpoints(e, reader, undefined, panicThreshold), ready = choice.chosen;
  const shown = ready.slice(0, SHOWN).map((x) => `${x.address ?? `pod ${x.pod?.name}`}:${x.port}`).join(", ");
  return `Service ${b.name}${port}: ${choice.why} from ${e.note}${shown ? ` (${shown}${ready.length > SHOWN ? ", ..." : ""})` : ""}${choice.others}`;
}
