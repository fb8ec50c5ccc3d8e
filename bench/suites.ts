// Every benchmark suite `npm run bench` knows. A new suite is one module added here.

import { connectivitySuite } from "./connectivity.js";
import type { Suite } from "./suite.js";

export const SUITES: Suite[] = [connectivitySuite];
