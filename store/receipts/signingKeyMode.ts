import { chmodSync, statSync } from 'node:fs';

/**
 * Who besides its owner can read a private key file: `group`, `world`, or undefined when
 * its mode is private (no read bit for group or others). Undefined too when it cannot be
 * stat'ed (loading the key reports that) or on Windows, which has no such mode bits.
 */
export function keyFileExposure(path: string): 'group' | 'world' | undefined {
  if (process.platform === 'win32') return undefined;
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return undefined;
  }
  if (mode & 0o004) return 'world';
  if (mode & 0o040) return 'group';
  return undefined;
}

/** Makes a key file that kfm owns (the per-user default key) private again: mode 0600. */
export function restrictKeyFile(path: string): void {
  chmodSync(path, 0o600);
}
