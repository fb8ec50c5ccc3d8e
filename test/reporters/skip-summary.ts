// A node:test reporter for `npm test`: after the run, one line per skipped (or todo) test with its
// reason, so a green run says what it did not check. Tests that need root, nftables or a browser skip
// with a reason ({ skip: "needs root" }); a skip without one is called out.

import { relative } from "node:path";

interface TestEvent { type: string; data: { name: string; file?: string; skip?: string | boolean; todo?: string | boolean; nesting?: number } }

export default async function* skipSummary(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const skipped: string[] = [];
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const { name, file, skip, todo } = event.data;
    const mark = skip !== undefined && skip !== false ? ["skipped", skip] : todo !== undefined && todo !== false ? ["todo", todo] : undefined;
    if (!mark) continue;
    const why = typeof mark[1] === "string" && mark[1] ? mark[1] : "NO REASON GIVEN (write { skip: \"why\" })";
    skipped.push(`  ${mark[0]}: ${file ? `${relative(process.cwd(), file)}: ` : ""}${name}\n      because: ${why}\n`);
  }
  yield skipped.length
    ? `\n# ${skipped.length} test${skipped.length === 1 ? "" : "s"} not run:\n${skipped.join("")}`
    : "\n# every test ran (none skipped)\n";
}
