// The backend the routing layer chose, resolved again with the same split.

import { routeKey, type BackendRef, type Route } from "../../model/route.js";
import type { ResolvedBackend } from "../gateway/backends.js";
import type { RouteResult } from "../gateway/request.js";
import { splitOf } from "../gateway/split.js";

/** The backend the routing layer's answer follows, resolved (the same split the router used). */
export function pickedBackend(states: Iterable<{ route: Route; backends: ReadonlyMap<BackendRef, ResolvedBackend> }>, res: RouteResult): ResolvedBackend | undefined {
  for (const s of states) {
    if (routeKey(s.route) !== res.route) continue;
    const rule = s.route.rules.find((r) => r.index === res.rule);
    return rule ? splitOf(rule, s.backends).picked : undefined;
  }
  return undefined;
}
