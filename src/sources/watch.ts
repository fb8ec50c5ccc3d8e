// Watches the inputs given with -f and reports changes, debounced (an editor's save is often several
// events): the one watcher of `serve` and of the agents. It watches exactly what the reader reads
// (read.ts): the files given, and in a folder the manifests (MANIFEST) of every subfolder the walk
// enters (skipsFolder: hidden folders and node_modules only with -R; symlinked folders never).
// Folders are watched, not files, so that a save by rename (an editor writing a temporary file and
// renaming it over the manifest) is seen; a folder created later is watched from its creation on.
//
// What inotify alone would miss:
// - a -f folder (or a -f file's folder) removed, renamed away or replaced (`rm -rf d && mkdir d`, a
//   `git checkout` that recreates it, a symlink `-f link/` pointed elsewhere): a watch follows the
//   folder's inode, not its path. Each such root is checked by identity (device and inode) on its own
//   events and its parent folder's events for its name; when it is gone it is polled for until it is
//   back, then watched again; each step is a change.
// - a manifest that is a symlink (a ConfigMap mounted as a volume: `x.yaml -> ..data/x.yaml`, and
//   kubelet swaps `..data` to a new folder on every update), and a -f file that is one: the file the
//   link resolves to is watched in its own folder, and the link resolved again on every event there and
//   on every symlink event beside it; a link that resolves elsewhere is a change.
// - a folder inotify cannot watch (ENOSPC: fs.inotify.max_user_watches reached; EMFILE): it is
//   polled instead (its entries' identity, size and modification time every `pollMs`, 1 s by
//   default), and `onTrouble` is told once per cause.

import { lstatSync, readdirSync, realpathSync, statSync, watch, type Stats } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { expandPath } from "./glob.js";
import { identity, MANIFEST, skipsFolder } from "./read.js";

export interface InputWatch { close(): void }

export interface WatchOptions {
  /** -R: hidden subfolders and node_modules too, as the reader reads them with -R. */
  recursive?: boolean;
  /** Quiet time after the last event before `onChange` (a burst of events is one change). */
  delayMs?: number;
  /** Told once per cause when folders cannot be watched and are polled instead (e.g. the inotify limit). */
  onTrouble?: (message: string) => void;
  /** How often a missing root and an unwatchable folder are looked at (ms). */
  pollMs?: number;
  /** fs.watch (tests give one that fails as a full inotify table does). */
  watchFolder?: (dir: string, listener: (event: string, name: string | Buffer | null) => void) => { close(): void; on(event: "error", f: (e: Error) => void): unknown };
}

/** How often a missing -f folder (or a -f file's folder) is looked for (ms). */
const WAIT_MS = 250;

type Listener = (name: string | undefined) => void;
/** A watched folder: an fs.watch or a poller, and who listens to it. */
interface Folder { close: () => void; on: Listener[] }
/** One listener of one folder, named by the path that needs it (a walked folder, a followed link, a root). */
interface Registration { dir: string; on: Listener; key: string }

const statOr = (p: string, follow = true): Stats | undefined => { try { return follow ? statSync(p) : lstatSync(p); } catch { return undefined; } };
/** The identity (read.ts identity) of what `p` names, following symlinks; undefined when it is not there. */
const identityOf = (p: string): string | undefined => { const st = statOr(p); return st ? identity(p, st) : undefined; };
const codeOf = (e: unknown) => (e as NodeJS.ErrnoException)?.code ?? "";

/** Why a folder cannot be watched, and what to do; one message per cause. */
function troubleMessage(dir: string, e: unknown, pollMs: number): string {
  const code = codeOf(e);
  const why = code === "ENOSPC" ? "ENOSPC: the system's limit of inotify watches, fs.inotify.max_user_watches, is reached"
    : code === "EMFILE" ? "EMFILE: the limit of inotify instances (fs.inotify.max_user_instances) or of open files is reached"
    : `${code || "error"}: ${(e as Error)?.message ?? String(e)}`;
  const fix = code === "ENOSPC" ? "; raise it (sysctl fs.inotify.max_user_watches=524288) to see changes at once"
    : code === "EMFILE" ? "; raise it (sysctl fs.inotify.max_user_instances=512, ulimit -n) to see changes at once" : "";
  return `cannot watch ${dir} for changes (${why}): it and other folders that cannot be watched are polled every ${pollMs / 1000} s instead${fix}`;
}

/**
 * Calls `onChange` with the changed paths (as given with -f, or below a -f folder; sorted) and the
 * time of the burst's first event, once per burst of events. Paths a reader would not read (a
 * `.swp` file, a file under a hidden folder without -R) change nothing. A folder created or removed
 * is a change (it may hold manifests).
 */
export function watchInputs(paths: readonly string[], onChange: (changed: string[], since: number) => void, options: WatchOptions = {}): InputWatch {
  const recursive = options.recursive === true, delayMs = options.delayMs ?? 100, pollMs = options.pollMs ?? 1000;
  const watchFolder = options.watchFolder ?? ((dir, listener) => watch(dir, listener));
  const folders = new Map<string, Folder>();
  const timers = new Set<NodeJS.Timeout>();
  const told = new Set<string>();
  let pending = new Set<string>(), first = 0, timer: NodeJS.Timeout | undefined, closed = false;
  const note = (name: string) => {
    if (closed) return;
    if (!pending.size) first = Date.now();
    pending.add(name);
    clearTimeout(timer);
    timer = setTimeout(() => { const changed = [...pending].sort(); pending = new Set(); onChange(changed, first); }, delayMs);
  };
  const every = (f: () => void, ms = pollMs): NodeJS.Timeout => { const t = setInterval(f, ms); timers.add(t); return t; };
  const stop = (t: NodeJS.Timeout | undefined) => { if (t) { clearInterval(t); timers.delete(t); } };
  const trouble = (dir: string, e: unknown) => {
    const code = codeOf(e) || "error";
    if (told.has(code)) return;
    told.add(code);
    options.onTrouble?.(troubleMessage(dir, e, pollMs));
  };

  /** Polls a folder as fs.watch would report it: the name of each entry added, removed or changed. */
  const poll = (dir: string, fire: Listener): (() => void) => {
    const look = () => {
      const seen = new Map<string, string>();
      let names: string[];
      try { names = readdirSync(dir); } catch { return undefined; }
      for (const n of names) { const st = statOr(join(dir, n), false); if (st) seen.set(n, `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.mode}`); }
      return seen;
    };
    let last = look();
    const t = every(() => {
      const now = look();
      if (!now) { if (last) fire(undefined); last = now; return; }
      for (const [n, v] of now) if (last?.get(n) !== v) fire(n);
      if (last) for (const n of last.keys()) if (!now.has(n)) fire(n);
      last = now;
    });
    return () => stop(t);
  };

  /** Adds a listener to a folder (watched once however many listen); false when it is not there. */
  const listen = (dir: string, on: Listener): boolean => {
    const known = folders.get(dir);
    if (known) { known.on.push(on); return true; }
    const folder: Folder = { close: () => {}, on: [on] };
    const fire: Listener = (name) => { for (const f of [...folder.on]) f(name); };
    try {
      const w = watchFolder(dir, (_event, name) => fire(name === null ? undefined : name.toString()));
      folder.close = () => w.close();
      w.on("error", (e) => { w.close(); if (folders.get(dir) !== folder) return; trouble(dir, e); folder.close = poll(dir, fire); });
    } catch (e) {
      const code = codeOf(e);
      if (code === "ENOENT" || code === "ENOTDIR") return false; // not there (yet)
      if (code === "EACCES" || code === "EPERM") return false; // the reader reports it
      trouble(dir, e);
      folder.close = poll(dir, fire);
    }
    folders.set(dir, folder);
    return true;
  };
  const unlisten = (r: Registration) => {
    const f = folders.get(r.dir);
    if (!f) return;
    const i = f.on.indexOf(r.on);
    if (i >= 0) f.on.splice(i, 1);
    if (!f.on.length) { f.close(); folders.delete(r.dir); }
  };

  /** What one root (a -f folder, or a -f file) watches: its registrations and followed links. */
  class Root {
    readonly regs: Registration[] = [];
    /** Followed symlinks: the link's path -> the file it resolved to (undefined: dangling). */
    readonly links = new Map<string, { real: string | undefined; shown: string }>();
    /** The identity of each walked folder when its watch began (a folder renamed over it is another). */
    readonly ids = new Map<string, string | undefined>();
    private id: string | undefined;
    private waiting: NodeJS.Timeout | undefined;

    /** `anchor`: the folder whose identity is checked (the -f folder, or a -f file's folder). */
    constructor(readonly anchor: string, readonly shown: string, private readonly setup: (root: Root) => void) {}

    start(): void {
      this.id = identityOf(this.anchor);
      if (this.id === undefined) { this.wait(); return; }
      // The parent's events for the anchor's name: removed, renamed, recreated, a symlink pointed elsewhere.
      const parent = dirname(this.anchor), name = basename(this.anchor);
      if (parent !== this.anchor) this.add(parent, (n) => { if (n === undefined || n === name) this.check(); }, this.anchor);
      this.setup(this);
    }

    add(dir: string, on: Listener, key: string): boolean {
      if (!listen(dir, on)) return false;
      this.regs.push({ dir, on, key });
      return true;
    }
    /** A walked folder (tree() records each one's identity). */
    has(key: string): boolean { return this.ids.has(key); }
    /** Drops what was registered for `key` and the paths below it. */
    drop(key: string): void {
      const below = (k: string) => k === key || k.startsWith(key.endsWith(sep) ? key : key + sep);
      for (let i = this.regs.length - 1; i >= 0; i--) if (below(this.regs[i].key)) { unlisten(this.regs[i]); this.regs.splice(i, 1); }
      for (const k of [...this.links.keys()]) if (below(k)) this.links.delete(k);
      for (const k of [...this.ids.keys()]) if (below(k)) this.ids.delete(k);
    }

    /** Still the folder it was? Else everything is watched again (or waited for), and that is a change. */
    check(): boolean {
      if (closed) return false;
      const now = identityOf(this.anchor);
      if (now === this.id) return false;
      this.close();
      note(this.shown);
      this.start();
      return true;
    }
    private wait(): void {
      this.waiting = every(() => { if (statOr(this.anchor)) { stop(this.waiting); this.waiting = undefined; note(this.shown); this.start(); } }, WAIT_MS);
    }

    /** Watches the file a symlink resolves to (and again when it resolves elsewhere: a change). */
    follow(link: string, shown: string): void {
      const known = this.links.get(link);
      if (!statOr(link, false)?.isSymbolicLink()) {
        // No longer a link (removed, or a file saved over it): its own folder's event is the change.
        if (known) { this.drop(`${link}\0`); this.links.delete(link); }
        return;
      }
      let real: string | undefined;
      try { real = realpathSync(link); } catch { real = undefined; /* dangling: resolved again on the next event */ }
      if (known && known.real === real) return;
      if (known) { this.drop(`${link}\0`); note(shown); }
      this.links.set(link, { real, shown });
      if (!real) return;
      const name = basename(real);
      this.add(dirname(real), (n) => { if (n === undefined || n === name) { note(shown); this.follow(link, shown); } }, `${link}\0`);
    }
    /** After an event in `dir` on a name that is not a manifest (kubelet's `..data`): the links there resolved again. */
    followAll(dir: string): void {
      for (const [link, { shown }] of [...this.links]) if (dirname(link) === dir) this.follow(link, shown);
    }

    close(): void {
      stop(this.waiting); this.waiting = undefined;
      for (const r of this.regs) unlisten(r);
      this.regs.length = 0;
      this.links.clear();
      this.ids.clear();
    }
  }

  /** A -f folder and the subfolders the reader walks; `shown` is how its paths are named. */
  const tree = (root: Root, dir: string, shown: string) => {
    const ok = root.add(dir, (name) => {
      if (dir === root.anchor && root.check()) return;
      if (name === undefined) { root.followAll(dir); return note(shown); }
      const full = join(dir, name), path = join(shown, name);
      const st = statOr(full, false);
      if (st?.isDirectory()) {
        if (skipsFolder(name, recursive)) return;
        if (root.has(full)) {
          // A folder renamed over this one: the watch is on the old folder's inode.
          if (identityOf(full) === root.ids.get(full)) return;
          root.drop(full);
        }
        tree(root, full, path); note(path);
      } else if (!st && root.has(full)) { root.drop(full); note(path); }
      else if (MANIFEST.test(name)) { note(path); if (st?.isSymbolicLink() || root.links.has(full)) root.follow(full, path); }
      else if (st?.isSymbolicLink() || !st) root.followAll(dir);
    }, dir);
    if (!ok) return;
    root.ids.set(dir, identityOf(dir));
    let entries;
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      if (e.isDirectory() && !skipsFolder(e.name, recursive)) tree(root, join(dir, e.name), join(shown, e.name));
      else if (e.isSymbolicLink() && MANIFEST.test(e.name)) root.follow(join(dir, e.name), join(shown, e.name));
    }
  };

  const roots: Root[] = [];
  for (const p of paths.flatMap(expandPath)) {
    if (p === "-") continue;
    const abs = resolve(p);
    let isDir = false;
    try { isDir = statSync(p).isDirectory(); } catch { /* a file not created yet: its folder is watched */ }
    if (isDir) roots.push(new Root(abs, p, (root) => tree(root, abs, p)));
    else {
      // A file given with -f is read whatever its name; its folder is watched for that name only.
      const name = basename(abs);
      roots.push(new Root(dirname(abs), p, (root) => {
        root.add(root.anchor, (n) => {
          if (root.check()) return;
          if (n === undefined || n === name) { note(p); root.follow(abs, p); return; }
          const st = statOr(join(root.anchor, n), false);
          if (!st || st.isSymbolicLink()) root.followAll(root.anchor);
        }, root.anchor);
        if (statOr(abs, false)?.isSymbolicLink()) root.follow(abs, p);
      }));
    }
  }
  for (const r of roots) r.start();
  return {
    close: () => {
      closed = true;
      clearTimeout(timer);
      for (const t of timers) clearInterval(t);
      timers.clear();
      for (const f of folders.values()) f.close();
      folders.clear();
    },
  };
}
