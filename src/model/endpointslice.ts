// EndpointSlices (discovery.k8s.io/v1): the addresses behind a Service, as the EndpointSlice
// controller (for Services with a selector) or their owner (for Services without) writes them.

import type { Protocol } from "./ports.js";
import type { SourceRef } from "./source.js";

export interface EndpointSlicePort {
  /** The Service port name it serves ("" when the Service port has none). */
  name: string;
  /** undefined: "not restricted", the consumer decides (kube-proxy then uses the Service's targetPort). */
  port?: number;
  protocol: Protocol;
  appProtocol?: string;
}

export interface SliceEndpoint {
  addresses: string[];
  /** conditions.ready; the API says a missing value is to be read as ready. */
  ready: boolean;
  /** targetRef, when it names a Pod: its name (in the slice's namespace unless given). */
  pod?: { namespace: string; name: string };
}

export interface EndpointSlice {
  namespace: string;
  name: string;
  /** The label kubernetes.io/service-name: the Service the slice belongs to. */
  service?: string;
  addressType: "IPv4" | "IPv6" | "FQDN";
  ports: EndpointSlicePort[];
  endpoints: SliceEndpoint[];
  src?: SourceRef;
}

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
