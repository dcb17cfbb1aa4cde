import { watch, type FSWatcher } from 'chokidar';

/** What a watcher watches: the directories to start from, and which paths below them count. */
export interface WatchScope {
  readonly roots: readonly string[];
  /** Equal for scopes that watch the same things. */
  readonly signature: string;
  keeps(path: string, isDirectory?: boolean): boolean;
}

/**
 * Reports changed paths (absolute) under a scope. The seam between watch mode and the file
 * system's notifications: chokidar here, a fake in tests.
 */
export interface FileWatcher {
  /** Watches this scope instead of the previous one; resolves once watching (the initial scan done). */
  watch(scope: WatchScope): Promise<void>;
  close(): Promise<void>;
}

/** `onChange` gets a file added, changed or removed, or a directory removed (`removedDirectory`). */
export type FileWatcherFactory = (onChange: (path: string, removedDirectory: boolean) => void, onError: (error: Error) => void) => FileWatcher;

/**
 * chokidar (v5: no globs; the scope's `keeps` is its `ignored` function, so it never
 * descends into a directory that does not lead to something watched). A scope that watches
 * other things gets a new chokidar instance, started before the old one is closed so no
 * change falls between them; the same things keep the instance and its scan.
 */
export const chokidarWatcher: FileWatcherFactory = (onChange, onError) => {
  let current: { fsw: FSWatcher; signature: string } | undefined;
  let scope: WatchScope | undefined;
  return {
    async watch(next) {
      scope = next;
      if (current?.signature === next.signature) return;
      const fsw = watch([...next.roots], {
        ignoreInitial: true,
        // Not `ignored: fn` of the first scope: it follows `scope`, which a same-signature watch() replaces.
        ignored: (path, stats) => !(scope ?? next).keeps(path, stats?.isDirectory()),
      });
      fsw.on('all', (event, path) => {
        if (event === 'add' || event === 'change' || event === 'unlink' || event === 'unlinkDir') onChange(path, event === 'unlinkDir');
      });
      fsw.on('error', (e) => onError(e instanceof Error ? e : new Error(String(e))));
      await new Promise<void>((resolve) => fsw.once('ready', () => resolve()));
      const old = current;
      current = { fsw, signature: next.signature };
      await old?.fsw.close();
    },
    async close() {
      const old = current;
      current = undefined;
      await old?.fsw.close();
    },
  };
};
