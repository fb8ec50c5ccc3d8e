// The Gateway API front ends (gateway.networking.k8s.io) and the core objects they refer to.

import type { FrontEnd } from "../frontend.js";
import { gatewayFrontEnds } from "./gateway.js";
import { grantFrontEnds } from "./grants.js";
import { routeFrontEnds } from "./routes.js";
import { tlsFrontEnds } from "./tls.js";

export const gatewayApiFrontEnds: FrontEnd[] = [...gatewayFrontEnds, ...routeFrontEnds, ...grantFrontEnds, ...tlsFrontEnds];
