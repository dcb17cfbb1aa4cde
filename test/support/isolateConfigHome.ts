/**
 * vitest global setup: points XDG_CONFIG_HOME (where kfm keeps its per-user signing key) at
 * a temp directory for the whole run, so no test, nor any CLI it starts, ever reads or
 * writes the real ~/.config/kfm. KFM_SIGNING_KEY is cleared for the same reason. The rigs
 * (test/support/cliRig.ts) give each project its own directory on top of this.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'kfm-test-config-'));
  process.env['XDG_CONFIG_HOME'] = dir;
  delete process.env['KFM_SIGNING_KEY'];
  return () => rmSync(dir, { recursive: true, force: true });
}
