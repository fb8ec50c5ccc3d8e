// Istio front ends: authorization (security.istio.io AuthorizationPolicy, RequestAuthentication), what decides whether a
// hop is mutual TLS (PeerAuthentication, the TLS settings of networking.istio.io DestinationRule), and
// the service registry (ServiceEntry, a Sidecar's outboundTrafficPolicy), and a user's VirtualService routes.

import type { FrontEnd } from "../frontend.js";
import { istioAuthorizationFrontEnd } from "./authorization.js";
import { requestAuthenticationFrontEnd } from "./requestauthentication.js";
import { serviceEntryFrontEnd, sidecarFrontEnd, workloadEntryFrontEnd } from "./serviceentry.js";
import { destinationRuleFrontEnd, peerAuthenticationFrontEnd } from "./transport.js";
import { virtualServiceFrontEnd } from "./virtualservice.js";
import { classicGatewayFrontEnd } from "./gateway.js";

export const istioFrontEnds: FrontEnd[] = [istioAuthorizationFrontEnd, requestAuthenticationFrontEnd, peerAuthenticationFrontEnd, destinationRuleFrontEnd, serviceEntryFrontEnd, workloadEntryFrontEnd, sidecarFrontEnd, virtualServiceFrontEnd, classicGatewayFrontEnd];
