// Linkerd front ends (policy.linkerd.io): inbound policy objects and the routes attached to Servers.

import type { FrontEnd } from "../frontend.js";
import { linkerdPolicyFrontEnds } from "./policy.js";
import { linkerdHttpRouteFrontEnd } from "./routes.js";

export const linkerdFrontEnds: FrontEnd[] = [...linkerdPolicyFrontEnds, linkerdHttpRouteFrontEnd];
