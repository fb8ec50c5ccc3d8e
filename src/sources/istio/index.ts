// Istio front ends: authorization (security.istio.io AuthorizationPolicy), and what decides whether a
// hop is mutual TLS (PeerAuthentication, the TLS settings of networking.istio.io DestinationRule).

import type { FrontEnd } from "../frontend.js";
import { istioAuthorizationFrontEnd } from "./authorization.js";
import { destinationRuleFrontEnd, peerAuthenticationFrontEnd } from "./transport.js";

export const istioFrontEnds: FrontEnd[] = [istioAuthorizationFrontEnd, peerAuthenticationFrontEnd, destinationRuleFrontEnd];
