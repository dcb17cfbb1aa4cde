import { spawn, spawnSync } from 'node:child_process';

/**
 * Flushes the whole file system holding `path` to stable storage (syncfs(2), through
 * coreutils' `sync -f`): one call makes every object written since durable, where an
 * fsync per object costs a disk flush each. Returns false where it is unavailable.
 */
export function syncFileSystem(path: string): boolean {
  const r = spawnSync('sync', ['-f', path], { stdio: 'ignore' });
  return r.status === 0;
}

/** syncFileSystem without blocking the event loop. */
export function syncFileSystemAsync(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('sync', ['-f', path], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}
