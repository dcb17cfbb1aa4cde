import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where V8 rejects a module that swc accepted (swc strips types without fully checking
 * JavaScript syntax). V8's SyntaxError for a module carries no position, so the compiled
 * code is checked with `node --check` and the position mapped back through its inline
 * source map to the TypeScript source. Only used on the error path.
 */
export async function v8SyntaxLocation(path: string): Promise<{ line: number; column: number; message: string } | undefined> {
  const { transformSync } = await import('@swc/core');
  let code: string;
  try {
    code = transformSync(readFileSync(path, 'utf8'), {
      filename: path,
      swcrc: false,
      configFile: false,
      sourceMaps: 'inline',
      jsc: { parser: { syntax: 'typescript', tsx: path.endsWith('.tsx') }, target: 'es2022' },
      module: { type: 'es6' },
    }).code;
  } catch {
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kfm-check-'));
  try {
    const file = join(dir, 'module.mjs');
    writeFileSync(file, code);
    const r = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
    const lines = r.stderr.split('\n');
    const head = lines.findIndex((l) => l.startsWith(`${file}:`));
    const message = lines.find((l) => l.startsWith('SyntaxError: '))?.slice('SyntaxError: '.length);
    if (head < 0 || message === undefined) return undefined;
    const line = Number(lines[head]!.slice(file.length + 1));
    const column = Math.max(0, (lines[head + 2] ?? '').indexOf('^'));
    const map = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(code);
    if (!map) return undefined;
    const entry = new SourceMap(JSON.parse(Buffer.from(map[1]!, 'base64').toString('utf8'))).findEntry(line - 1, column);
    if (!entry || !('originalLine' in entry) || entry.originalLine === undefined) return undefined;
    return { line: entry.originalLine + 1, column: entry.originalColumn + 1, message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
