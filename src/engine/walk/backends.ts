// The backend the routing layer chose, resolved again with the same split.

import { routeKey, type BackendRef, type Route } from "../../model/route.js";
import type { ResolvedBackend } from "../gateway/backends.js";
import type { RouteResult } from "../gateway/request.js";
import { splitOf } from "../gateway/split.js";
import type { BoundRoutes } from "../mesh/route.js";
import { step, type Walk } from "./answer.js";

/** The backend the routing layer's answer follows, resolved (the same split the router used). */
export function pickedBackend(states: Iterable<{ route: Route; backends: ReadonlyMap<BackendRef, ResolvedBackend> }>, res: RouteResult): ResolvedBackend | undefined {
  for (const s of states) {
    if (routeKey(s.route) !== res.route) continue;
    const rule = s.route.rules.find((r) => r.index === res.rule);
    return rule ? splitOf(rule, s.backends).picked : undefined;
  }
  return undefined;
}

/**
 * The routing step once the routes bound to a Service (or an EgressNetwork) chose, `res` their answer:
 * "decided" when they answered themselves (no backend: a 404, a redirect, a refusal), else "passed"
 * and the backend they picked (undefined when it does not resolve). `where` leads the summary.
 */
export function routesChose(w: Walk, bound: BoundRoutes, where: string, res: RouteResult): { picked?: ResolvedBackend } | "decided" {
  const routes = `${where}${bound.role} routes of namespace ${bound.namespace}`;
  if (!res.backend) { step(w, "routing", "decided", `${routes}: ${res.reason}`); return "decided"; }
  step(w, "routing", "passed", `${routes}: ${res.reason}`);
  return { picked: pickedBackend(bound.routes.map((r) => r.state), res) };
}
