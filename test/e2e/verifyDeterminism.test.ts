/**
 * `kfm build --verify-determinism` end to end: the project's own Kansas pipeline (in a copy,
 * as test/e2e/kansas.test.ts makes one) runs every node twice and finds each deterministic;
 * a task that writes `Date.now()` is caught (exit 1, named with its output, both digests and
 * the first differing line, and recorded in its run receipt); one that declares
 * `nondeterministic: true` is reported and does not fail the build.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, REPO_ROOT, KFM_BIN, useCliRigs } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

interface DeterminismBlock {
  executed: number;
  checked: number;
  failed: boolean;
  nodes: { id: string; deterministic: boolean; declared_nondeterministic: boolean; differing: { name: string; first_digest: string | null; second_digest: string | null; first_difference?: { line: number; first: string; second: string } }[] }[];
}

const STAMP_TASK = `import type { TaskContext } from 'kfm';
export default async function stamp(ctx: TaskContext): Promise<void> {
  await ctx.output('same.txt', 'unchanging\\n', 'text/plain');
  await ctx.output('stamp.json', JSON.stringify({ node: ctx.id, built_at_ms: Date.now() + Math.random() }, null, 2) + '\\n', 'application/json');
}
`;

const kfmfile = (declared: boolean) => `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('clock'), [task('stamp', { run: './stamp.ts'${declared ? ', nondeterministic: true' : ''} })], { slice: '2020' }),
] });
`;

/** Every receipt of the build, parsed (the DSSE payload's in-toto predicate). */
function receipts(dir: string): { node?: string; determinism?: unknown }[] {
  const out: { node?: string; determinism?: unknown }[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.includes('/receipts/') && p.endsWith('.json')) {
        const env = JSON.parse(readFileSync(p, 'utf8')) as { payload: string };
        out.push((JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as { predicate: { node?: string; determinism?: unknown } }).predicate);
      }
    }
  };
  walk(join(dir, 'data', 'catalog'));
  return out;
}

describe('kfm build --verify-determinism', () => {
  it('catches a task that writes Date.now(): exit 1, the node, the output, both digests and the first differing line', async () => {
    const rig = newRig({ 'kfmfile.ts': kfmfile(false), 'stamp.ts': STAMP_TASK });
    const plain = await rig.run(['build', '--reporter', 'plain', '--verify-determinism']);
    expect(plain.code, plain.stderr).toBe(1);
    const line = plain.stdout.split('\n').find((l) => l.startsWith('differs  clock/stamp'));
    expect(line).toBe('differs  clock/stamp: NONDETERMINISTIC: 1 output differs');
    expect(plain.stdout).toMatch(/^ {2}stamp\.json: first run sha256:[0-9a-f]{64}, second run sha256:[0-9a-f]{64}$/m);
    expect(plain.stdout).toMatch(/^ {4}line 3, first run: {2}" {2}\\"built_at_ms\\": [0-9.]+"$/m);
    expect(plain.stdout).toMatch(/^ {4}line 3, second run: " {2}\\"built_at_ms\\": [0-9.]+"$/m);
    expect(plain.stdout).toContain('determinism: 1 node checked: 1 nondeterministic\n');
    expect(plain.stdout).not.toContain('same.txt');

    // The receipt of the node records the finding (and validates against its schema: the build wrote it).
    const [receipt] = receipts(rig.dir).filter((r) => r.node !== undefined);
    expect(receipt?.determinism).toMatchObject({ checked: true, deterministic: false, declared_nondeterministic: false, differing: [{ name: 'stamp.json' }] });

    // JSON: the report carries the finding, and the schema takes it. (A param-free task that
    // ran is cached now, so a change of code makes it run again.)
    rig.write({ 'stamp.ts': `${STAMP_TASK}// edited\n` });
    const { result, report } = await rig.buildJson(['--verify-determinism']);
    expect(result.code).toBe(1);
    expectValidReport('build', report);
    const d = (report as unknown as { determinism: DeterminismBlock }).determinism;
    expect([d.executed, d.checked, d.failed]).toEqual([1, 1, true]);
    const [differing] = d.nodes[0]!.differing;
    expect(differing?.name).toBe('stamp.json');
    expect(differing?.first_digest).not.toBe(differing?.second_digest);
    expect(differing?.first_difference?.line).toBe(3);
  });

  it('reports a task declared nondeterministic: true without failing, and kfm plan shows the declaration', async () => {
    const rig = newRig({ 'kfmfile.ts': kfmfile(true), 'stamp.ts': STAMP_TASK });
    const plan = await rig.run(['plan', '--json']);
    expect((JSON.parse(plan.stdout) as { nodes: { nondeterministic?: boolean }[] }).nodes[0]?.nondeterministic).toBe(true);
    expect((await rig.run(['plan'])).stdout).toMatch(/^run {5}clock\/stamp {2}.*\(declared nondeterministic\)$/m);
    const plain = await rig.run(['build', '--reporter', 'plain', '--verify-determinism']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('differs  clock/stamp: declared nondeterministic: 1 output differs\n');
    expect(plain.stdout).toContain('determinism: 1 node checked: all deterministic, 1 declared nondeterministic\n');
    // Everything cached: nothing to check (the no-op fast path answers).
    const again = await rig.run(['build', '--reporter', 'plain', '--verify-determinism']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('determinism: 0 nodes executed: nothing checked\n');
  });

  it('refuses --sample without --verify-determinism, and a --sample that is not a positive integer', async () => {
    const rig = newRig({ 'kfmfile.ts': kfmfile(false), 'stamp.ts': STAMP_TASK });
    const alone = await rig.run(['build', '--sample', '2']);
    expect([alone.code, alone.stderr]).toEqual([2, 'kfm: --sample applies to kfm build --verify-determinism\n']);
    const bad = await rig.run(['build', '--verify-determinism', '--sample', '0']);
    expect([bad.code, bad.stderr]).toEqual([2, 'kfm: --sample needs a positive integer (got "0")\n']);
  });
});

describe('the Kansas pipeline under --verify-determinism', () => {
  let dir: string | undefined;
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs every node twice and finds each deterministic (exit 0)', () => {
    mkdirSync(join(REPO_ROOT, '.kfm-test'), { recursive: true });
    dir = mkdtempSync(join(REPO_ROOT, '.kfm-test', 'kansas-determinism-'));
    cpSync(join(REPO_ROOT, 'kfmfile.ts'), join(dir, 'kfmfile.ts'));
    cpSync(join(REPO_ROOT, 'tasks'), join(dir, 'tasks'), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
    const r = spawnSync(process.execPath, [KFM_BIN, 'build', '--json', '--verify-determinism'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { status: string; determinism: DeterminismBlock };
    expectValidReport('build', report);
    expect(report.status).toBe('succeeded');
    const d = report.determinism;
    expect([d.executed, d.checked, d.failed]).toEqual([8, 8, false]);
    expect(d.nodes.filter((n) => !n.deterministic)).toEqual([]);
    const checkedReceipts = receipts(dir).filter((p) => (p.determinism as { deterministic?: boolean } | undefined)?.deterministic === true);
    expect(checkedReceipts).toHaveLength(8);
  });
});
