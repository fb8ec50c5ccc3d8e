// Entry point of the lab's client: `ip netns exec CLIENT node client-main.js` with a JSON list of
// jobs on stdin; prints the answers as a JSON list, in the same order.

import { readFileSync } from "node:fs";
import { sendAll, type ClientJob } from "./client.js";

const jobs = JSON.parse(readFileSync(0, "utf8")) as ClientJob[];
sendAll(jobs).then((answers) => {
  process.stdout.write(`${JSON.stringify(answers)}\n`);
  process.exit(0);
}, (e: Error) => {
  process.stderr.write(`client: ${e.message}\n`);
  process.exit(1);
});
