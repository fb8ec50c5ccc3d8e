// One `junction list`-like run in a fresh process (load, build, all-pairs analysis, render), to
// report its peak memory on its own: the benchmark's own process holds several loads at once.

import { loadPaths } from "../src/sources/load.js";
import { PolicyEngine } from "../src/engine/verdict.js";
import { FastConnectivity } from "../src/engine/fast/connectivity.js";
import { connectionList } from "../src/analyze/connlist.js";
import { renderConnlist } from "../src/targets/connlist.js";

const { inventory } = loadPaths([process.argv[2]], undefined, { recursive: true });
const text = renderConnlist(connectionList(inventory, new FastConnectivity(new PolicyEngine(inventory))), "txt");
process.send!({ maxRSS: process.resourceUsage().maxRSS * 1024, lines: text.length });
