import { execFileSync } from 'node:child_process';

/**
 * The commit checked out at `dir` (`git rev-parse HEAD`), or null when `dir` is not in a git
 * checkout, the repository has no commit yet, or git is not installed.
 */
export function gitCommit(dir: string): string | null {
  try {
    const out = execFileSync('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }).trim();
    return /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(out) ? out : null;
  } catch {
    return null;
  }
}
