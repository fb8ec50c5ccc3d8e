// Every benchmark suite `npm run bench` knows. A new suite is one module added here.

import { addressSuite } from "./addresses.js";
import { connectivitySuite } from "./connectivity.js";
import { runEnforcementBench } from "./enforcement.js";
import { scaleSuite } from "./scale.js";
import { serveSuite } from "./serve.js";
import type { Suite } from "./suite.js";

/** The nftables suite prints its own lines (it needs root, ip netns and nftables for its connection part). */
const enforcementSuite: Suite = {
  name: "enforcement", title: "Enforcement (nftables)", byDefault: true, defaultSizes: ["host"], sizes: ["host"],
  async run(size) {
    const notes: string[] = [];
    await runEnforcementBench((line) => notes.push(line));
    return { size, figures: [], notes };
  },
};

export const SUITES: Suite[] = [connectivitySuite, scaleSuite, addressSuite, serveSuite, enforcementSuite];
