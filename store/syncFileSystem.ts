import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/**
 * Flushes the whole file system holding `path` to stable storage (syncfs(2), through
 * coreutils' `sync -f`): one call makes every object written since durable, where an
 * fsync per object costs a disk flush each. Returns false where it is unavailable.
 */
export function syncFileSystem(path: string): boolean {
  const r = spawnSync('sync', ['-f', path], { stdio: 'ignore' });
  return r.status === 0;
}

type Shell = ChildProcessByStdio<Writable, Readable, null>;

let shell: Shell | undefined;
let pending: ((ok: boolean) => void)[] = [];
let buffered = '';

/**
 * One long-lived shell runs `sync -f` on request, so a build that flushes many times
 * spawns one process, not one per flush (a spawn from a large Node process costs
 * milliseconds of the main thread). It exits with its stdin, that is with kfm.
 */
function syncShell(): Shell {
  if (shell) return shell;
  const child = spawn('sh', ['-c', 'while IFS= read -r p; do if sync -f "$p"; then echo ok; else echo fail; fi; done'], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const failAll = () => {
    shell = undefined;
    const waiting = pending;
    pending = [];
    for (const w of waiting) w(false);
  };
  child.on('error', failAll);
  child.on('exit', failAll);
  child.stdin.on('error', failAll);
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      pending.shift()?.(line === 'ok');
    }
    if (pending.length === 0) setRef(child, false);
  });
  setRef(child, false);
  shell = child;
  return child;
}

/** Holds the event loop open only while a flush is awaited. */
function setRef(child: Shell, on: boolean): void {
  const op = on ? 'ref' : 'unref';
  child[op]();
  (child.stdin as Writable & { ref?: () => void; unref?: () => void })[op]?.();
  (child.stdout as Readable & { ref?: () => void; unref?: () => void })[op]?.();
}

/** syncFileSystem without blocking the event loop. */
export function syncFileSystemAsync(path: string): Promise<boolean> {
  if (path.includes('\n')) return Promise.resolve(syncFileSystem(path));
  return new Promise((resolve) => {
    const child = syncShell();
    pending.push(resolve);
    setRef(child, true);
    child.stdin.write(`${path}\n`);
  });
}
