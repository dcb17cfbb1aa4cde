/**
 * Built-in task code is digested from its compiled JavaScript in dist/ (engine/codeDigest.ts),
 * so those bytes must not depend on where the checkout lives: an absolute path in an inline
 * source map would give every checkout other keys and spec hashes (and fail `kfm check`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function* jsFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* jsFiles(p);
    else if (e.name.endsWith('.js')) yield p;
  }
}

describe('dist/', () => {
  it('names no absolute path in any compiled file or source map', () => {
    const files = [...jsFiles(join(repo, 'dist'))];
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const code = readFileSync(file, 'utf8');
      expect(code.includes(repo), file).toBe(false);
      const map = /sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)/.exec(code);
      expect(map, file).not.toBeNull();
      const sources = (JSON.parse(Buffer.from(map![1]!, 'base64').toString('utf8')) as { sources: string[] }).sources;
      for (const s of sources) expect(s.startsWith('/'), `${file}: ${s}`).toBe(false);
    }
  });
});
