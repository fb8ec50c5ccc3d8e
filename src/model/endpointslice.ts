// EndpointSlices (discovery.k8s.io/v1): the addresses behind a Service, as the EndpointSlice
// controller (for Services with a selector) or their owner (for Services without) writes them.

import type { Protocol } from "./ports.js";
import type { SourceRef } from "./source.js";

export interface EndpointSlicePort {
  /** The Service port name it serves ("" when the Service port has none). */
  name: string;
  /** undefined: no number ("EndpointSlices used for other purposes may have a nil port"): kube-proxy ignores the port, so does service-endpoints.ts. */
  port?: number;
  protocol: Protocol;
  appProtocol?: string;
}

export interface SliceEndpoint {
  addresses: string[];
  /** conditions.ready; the API says a missing value is to be read as ready. */
  ready: boolean;
  /**
   * conditions.serving as written (undefined: unset). The API says "If nil, consumers should defer to
   * the ready condition"; kube-proxy reads unset as true (endpointslicecache.go addEndpoints:
   * `serving := Serving == nil || *Serving`), the one reader of it (model/service-endpoints.ts).
   */
  serving?: boolean;
  /** conditions.terminating; unset reads as false ("Consumers should interpret this unknown state to mean that the endpoint is not terminating"). */
  terminating: boolean;
  /** conditions.serving and conditions.terminating are both written (Envoy Gateway reads them only then: service-endpoints.ts "envoy-gateway"). */
  servingAndTerminating?: true;
  /** nodeName: the node the endpoint is on, when given. */
  nodeName?: string;
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
  /**
   * Made from a core/v1 Endpoints object as the EndpointSliceMirroring controller mirrors it
   * (model/service-endpoints.ts uses it only for a Service without selector, as the controller does).
   */
  mirrored?: true;
  src?: SourceRef;
}

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
