// Watches the files and folders given with -f and reports changes, debounced: an editor's save is
// often several events. A file is watched through its folder, so that a save by rename is seen.

import { watch, statSync, type FSWatcher } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { expandPath } from "../sources/glob.js";

export interface FileWatch { close(): void }

/**
 * A folder is watched with its subfolders, those the reader reads: without `recursive` (-R) changes
 * under hidden folders and node_modules are ignored; with it only those under .git.
 */
export function watchPaths(paths: readonly string[], onChange: (changed: string[], since: number) => void, recursive = false, delayMs = 100): FileWatch {
  const watchers: FSWatcher[] = [];
  let pending = new Set<string>(), first = 0, timer: NodeJS.Timeout | undefined;
  const note = (name: string) => {
    if (!pending.size) first = Date.now();
    pending.add(name);
    clearTimeout(timer);
    timer = setTimeout(() => { const changed = [...pending].sort(); pending = new Set(); onChange(changed, first); }, delayMs);
  };
  for (const p of paths.flatMap(expandPath)) {
    if (p === "-") continue;
    let dir = false;
    try { dir = statSync(p).isDirectory(); } catch { /* a missing file may appear: watch its folder */ }
    const ignored = recursive ? /(^|[/\\])\.git([/\\]|$)/ : /(^|[/\\])(\.[^/\\]*|node_modules)[/\\]/;
    if (dir) watchers.push(watch(p, { recursive: true }, (_e, f) => { if (f && !ignored.test(f.toString())) note(join(p, f.toString())); }));
    else {
      const name = basename(p);
      watchers.push(watch(dirname(resolve(p)), (_e, f) => { if (f?.toString() === name) note(relative(".", p) || p); }));
    }
  }
  return { close: () => { clearTimeout(timer); for (const w of watchers) w.close(); } };
}
