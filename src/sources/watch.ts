// Watches the inputs given with -f and reports changes, debounced (an editor's save is often several
// events): the one watcher of `serve` and of the agents. It watches exactly what the reader reads
// (read.ts): the files given, and in a folder the manifests (MANIFEST) of every subfolder the walk
// enters (skipsFolder: hidden folders and node_modules only with -R; symlinked folders never).
// Folders are watched, not files, so that a save by rename (an editor writing a temporary file and
// renaming it over the manifest) is seen; a folder created later is watched from its creation on.

import { lstatSync, readdirSync, statSync, watch, type FSWatcher } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { expandPath } from "./glob.js";
import { MANIFEST, skipsFolder } from "./read.js";

export interface InputWatch { close(): void }

export interface WatchOptions {
  /** -R: hidden subfolders and node_modules too, as the reader reads them with -R. */
  recursive?: boolean;
  /** Quiet time after the last event before `onChange` (a burst of events is one change). */
  delayMs?: number;
}

/**
 * Calls `onChange` with the changed paths (as given with -f, or below a -f folder; sorted) and the
 * time of the burst's first event, once per burst of events. Paths a reader would not read (a
 * `.swp` file, a file under a hidden folder without -R) change nothing. A folder created or removed
 * is a change (it may hold manifests).
 */
export function watchInputs(paths: readonly string[], onChange: (changed: string[], since: number) => void, options: WatchOptions = {}): InputWatch {
  const recursive = options.recursive === true, delayMs = options.delayMs ?? 100;
  /** Each watched folder and who listens to it (a -f folder and a -f file in it, two -f files in one folder). */
  const watchers = new Map<string, { w: FSWatcher; on: ((name: string | undefined) => void)[] }>();
  let pending = new Set<string>(), first = 0, timer: NodeJS.Timeout | undefined, closed = false;
  const note = (name: string) => {
    if (closed) return;
    if (!pending.size) first = Date.now();
    pending.add(name);
    clearTimeout(timer);
    timer = setTimeout(() => { const changed = [...pending].sort(); pending = new Set(); onChange(changed, first); }, delayMs);
  };
  const listen = (dir: string, on: (name: string | undefined) => void): boolean => {
    const known = watchers.get(dir);
    if (known) { known.on.push(on); return true; }
    try {
      const entry = { w: watch(dir, (_event, name) => { for (const f of entry.on) f(name?.toString()); }), on: [on] };
      entry.w.on("error", () => { entry.w.close(); watchers.delete(dir); });
      watchers.set(dir, entry);
      return true;
    } catch { return false; /* not there (yet), or not readable */ }
  };
  const unlisten = (dir: string) => {
    for (const [d, e] of watchers) if (d === dir || d.startsWith(dir + sep)) { e.w.close(); watchers.delete(d); }
  };
  /** A -f folder and the subfolders the reader walks; `shown` is how its paths are named. */
  const tree = (dir: string, shown: string) => {
    const ok = listen(dir, (name) => {
      if (name === undefined) return note(shown);
      const full = join(dir, name), path = join(shown, name);
      let st;
      try { st = lstatSync(full); } catch { st = undefined; }
      if (st?.isDirectory()) {
        if (skipsFolder(name, recursive)) return;
        if (!watchers.has(full)) { tree(full, path); note(path); }
      } else if (!st && watchers.has(full)) { unlisten(full); note(path); }
      else if (MANIFEST.test(name)) note(path);
    });
    if (!ok) return;
    let entries;
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) if (e.isDirectory() && !skipsFolder(e.name, recursive)) tree(join(dir, e.name), join(shown, e.name));
  };
  for (const p of paths.flatMap(expandPath)) {
    if (p === "-") continue;
    let dir = false;
    try { dir = statSync(p).isDirectory(); } catch { /* a file not created yet: its folder is watched */ }
    if (dir) tree(resolve(p), p);
    else {
      // A file given with -f is read whatever its name; its folder is watched for that name only.
      const name = basename(p), shown = p;
      listen(dirname(resolve(p)), (n) => { if (n === undefined || n === name) note(shown); });
    }
  }
  return { close: () => { closed = true; clearTimeout(timer); for (const e of watchers.values()) e.w.close(); watchers.clear(); } };
}
