/**
 * Build, rebuild, edit, and ask why: the everyday cycle through the real CLI, with the JSON
 * reports as the oracle and the plain output asserted verbatim.
 */
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, SHOUT_LIB, UPPER_TASK, useCliRigs, type BuildReport, type CliRig } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

const sha256 = (data: string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
/** How plain output abbreviates a digest. */
const short = (digest: string) => digest.slice(0, 'sha256:'.length + 12);
/** The outputs digest of a node whose one output is `out.txt` (text/plain) holding `text`. */
const outTxtDigest = (text: string) => sha256(JSON.stringify([['out.txt', sha256(text), 'text/plain']]));

const kfmfile = (suffix: string) => `${KFMFILE_HEADER}
export default defineKfm({ datasets: [
  dataset(spec('alpha'), [
    task('a', { run: './upper.ts', inputs: ['src/a.txt'], zone: 'work' }),
    task('b', { run: './upper.ts', inputs: ['src/b.txt'], deps: ['a'], params: { suffix: '${suffix}' } }),
  ], { slice: '2017' }),
  dataset(spec('beta'), [task('c', { run: './upper.ts', deps: ['alpha/b'] })], { slice: '2018' }),
  dataset(spec('gamma'), [task('d', { run: './plain.ts', inputs: ['src/b.txt'] })]),
] });
`;

const PLAIN_TASK = `import type { TaskContext } from 'kfm';
export default async function plain(ctx: TaskContext): Promise<void> {
  await ctx.output('out.txt', (await ctx.inputs[0]!.read()).toString('utf8'), 'text/plain');
}
`;

function project(): CliRig {
  return newRig({
    'kfmfile.ts': kfmfile('!'),
    'upper.ts': UPPER_TASK,
    'plain.ts': PLAIN_TASK,
    'lib/shout.ts': SHOUT_LIB,
    'src/a.txt': 'alpha',
    'src/b.txt': 'beta',
  });
}

const statuses = (report: BuildReport) => Object.fromEntries(report.nodes.map((n) => [n.id, n.status]));
const node = (report: BuildReport, id: string) => report.nodes.find((n) => n.id === id)!;
/** Plain build output with its varying parts (run id, durations) replaced. */
const normalized = (text: string) =>
  text.replace(/build \d{8}T\d{6}Z-[0-9a-f]{8}:/g, 'build <run>:').replace(/ in \d+\.\d\ds/g, ' in <t>');

describe('kfm build', () => {
  it('builds every node, then a rebuild finds all of them cached', async () => {
    const rig = project();
    const first = await rig.buildJson(['-j', '2']);
    expect(first.result.stderr).toBe('');
    expect(first.result.code).toBe(0);
    expectValidReport('build', first.report);
    expect(first.report.status).toBe('succeeded');
    expect(statuses(first.report)).toEqual({ 'alpha/a': 'executed', 'alpha/b': 'executed', 'beta/c': 'executed', 'gamma/d': 'executed' });
    for (const n of first.report.nodes) expect(n.reason).toEqual({ type: 'no-previous-run' });
    expect(first.report.counts).toEqual({ executed: 4, cached: 0, failed: 0, skipped: 0 });
    expect(first.report.versions.map((v) => [v.dataset_slug, v.slice, v.created, v.mode])).toEqual([
      ['alpha', '2017', true, 'new'],
      ['beta', '2018', true, 'new'],
    ]);
    expect(rig.read(`data/processed/beta/${first.report.versions[1]!.dataset_version_id}/out.txt`)).toBe('BETA|ALPHA!');

    const again = await rig.buildJson(['-j', '2']);
    expect(again.result.code).toBe(0);
    expectValidReport('build', again.report);
    expect(statuses(again.report)).toEqual({ 'alpha/a': 'cached', 'alpha/b': 'cached', 'beta/c': 'cached', 'gamma/d': 'cached' });
    expect(again.report.nodes.map((n) => n.key)).toEqual(first.report.nodes.map((n) => n.key));
    expect(again.report.versions.map((v) => [v.dataset_version_id, v.created, v.mode])).toEqual(
      first.report.versions.map((v) => [v.dataset_version_id, false, 'retry']),
    );

    // Lines carry no trailing blanks, whatever the width of the id column.
    const plan = await rig.run(['plan']);
    expect(plan).toMatchObject({ code: 0, stderr: '' });
    expect(plan.stdout).toBe(
      'cached  alpha/a\ncached  alpha/b\ncached  beta/c\ncached  gamma/d\nplan: 0 to run, 0 pending on upstream, 4 cached\n',
    );

    const [alpha, beta] = first.report.versions.map((v) => v.dataset_version_id);
    const plain = await rig.run(['build', '-v', '-j', '2']);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toBe('');
    expect(normalized(plain.stdout)).toBe(
      [
        'build <run>: 4 nodes, 2 jobs',
        'cached   alpha/a',
        'cached   gamma/d',
        'cached   alpha/b',
        'cached   beta/c',
        // The third build of the same spec and inputs: a retry, with one retry receipt per version; the
        // first build also signed a catalog receipt per version (seq 3 and 5), the retries none.
        `version  alpha@${alpha} (retry: same spec and raw inputs)`,
        `receipts alpha@${alpha}: 1 signed, ledger seq 8`,
        `catalog  alpha@${alpha}: cached`,
        `linked   alpha@${alpha} (7 files under data/)`,
        `version  beta@${beta} (retry: same spec and raw inputs)`,
        `receipts beta@${beta}: 1 signed, ledger seq 9`,
        `catalog  beta@${beta}: cached`,
        `linked   beta@${beta} (6 files under data/)`,
        'build succeeded: 0 executed, 4 cached, 0 failed, 0 skipped in <t>',
        '',
      ].join('\n'),
    );
  });

  it('after a param edit, runs exactly that node and its dependents, and plan and explain say why', async () => {
    const rig = project();
    const first = await rig.buildJson();
    expect(first.result.code).toBe(0);
    rig.write({ 'kfmfile.ts': kfmfile('?') });

    const plan = await rig.run(['plan']);
    expect(plan.code).toBe(0);
    expect(plan.stderr).toBe('');
    expect(plan.stdout).toBe(
      [
        'cached  alpha/a',
        'run     alpha/b  param /suffix changed: "!" → "?"',
        'pending beta/c   upstream alpha/b will run first',
        'cached  gamma/d',
        'plan: 1 to run, 1 pending on upstream, 2 cached',
        '',
      ].join('\n'),
    );
    const planJson = await rig.run(['plan', '--json']);
    expect(planJson.code).toBe(0);
    const planReport = JSON.parse(planJson.stdout) as { nodes: { id: string; action: string; key: string | null; previous_key: string | null }[] };
    expectValidReport('plan', planReport);
    expect(planReport.nodes.map((n) => [n.id, n.action])).toEqual([
      ['alpha/a', 'cached'],
      ['alpha/b', 'run'],
      ['beta/c', 'pending'],
      ['gamma/d', 'cached'],
    ]);
    // Nothing ran: plan writes no results.
    expect(planReport.nodes.map((n) => n.previous_key)).toEqual(first.report.nodes.map((n) => n.key));

    const explain = await rig.run(['explain', 'alpha', 'b']);
    expect(explain.code).toBe(0);
    expect(explain.stdout).toBe('alpha/b: will run\n  - param /suffix changed: "!" → "?"\n');
    const explainBeta = await rig.run(['explain', 'beta']);
    expect(explainBeta.stdout).toBe(
      [
        `alpha/a: up to date (key ${node(first.report, 'alpha/a').key})`,
        'alpha/b: will run',
        '  - param /suffix changed: "!" → "?"',
        'beta/c: waits on upstream',
        '  - upstream alpha/b will run first',
        '',
      ].join('\n'),
    );
    const explainJson = await rig.run(['explain', 'beta', '--json']);
    expect(explainJson.code).toBe(0);
    const explainReport = JSON.parse(explainJson.stdout) as unknown;
    expectValidReport('explain', explainReport);
    expect(explainReport).toMatchObject({
      kfm_explain_version: 'v1',
      target: 'beta',
      nodes: [
        { id: 'alpha/a', action: 'cached', reasons: [], explanations: [] },
        {
          id: 'alpha/b',
          action: 'run',
          reasons: [{ type: 'param-changed', pointer: '/suffix', old: '!', new: '?' }],
          explanations: ['param /suffix changed: "!" → "?"'],
        },
        {
          id: 'beta/c',
          action: 'pending',
          key: null,
          reasons: [{ type: 'upstream-pending', upstream: 'alpha/b' }],
          explanations: ['upstream alpha/b will run first'],
        },
      ],
    });

    const second = await rig.buildJson();
    expect(second.result.code).toBe(0);
    expectValidReport('build', second.report);
    expect(statuses(second.report)).toEqual({ 'alpha/a': 'cached', 'alpha/b': 'executed', 'beta/c': 'executed', 'gamma/d': 'cached' });
    expect(node(second.report, 'alpha/b').reason).toEqual({ type: 'param-changed', pointer: '/suffix', old: '!', new: '?' });
    expect(node(second.report, 'beta/c').reason).toEqual({
      type: 'upstream-changed',
      upstream: 'alpha/b',
      old: outTxtDigest('BETA|ALPHA!'),
      new: outTxtDigest('BETA|ALPHA?'),
    });
    expect(node(second.report, 'alpha/a').key).toBe(node(first.report, 'alpha/a').key);
    expect(node(second.report, 'alpha/b').key).not.toBe(node(first.report, 'alpha/b').key);

    const third = await rig.buildJson();
    expect(statuses(third.report)).toEqual({ 'alpha/a': 'cached', 'alpha/b': 'cached', 'beta/c': 'cached', 'gamma/d': 'cached' });
  });
  it('reruns a node whose stored output object is gone, and says so', async () => {
    const rig = project();
    expect((await rig.buildJson()).result.code).toBe(0);
    const object = sha256('beta').slice('sha256:'.length);
    rmSync(rig.path('.kfm/store/objects', object.slice(0, 2), object.slice(2)));

    const plan = await rig.run(['plan', 'gamma']);
    expect(plan.stdout).toBe(`run     gamma/d  stored output out.txt (${short(sha256('beta'))}) is missing or damaged\nplan: 1 to run, 0 pending on upstream, 0 cached\n`);
    const { result, report } = await rig.buildJson(['gamma']);
    expect(result.code).toBe(0);
    expectValidReport('build', report);
    expect(node(report, 'gamma/d')).toMatchObject({ status: 'executed', reason: { type: 'output-missing', output: 'out.txt', digest: sha256('beta') } });
    expect((await rig.buildJson(['gamma'])).report.counts).toEqual({ executed: 0, cached: 1, failed: 0, skipped: 0 });
  });
});

describe('kfm explain', () => {
  it('says "no previous run" on a fresh project', async () => {
    const rig = project();
    const r = await rig.run(['explain', 'alpha']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('alpha/a: will run\n  - no previous run\nalpha/b: will run\n  - no previous run\n');
    const json = await rig.run(['explain', 'alpha@2017', 'a', '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as unknown;
    expectValidReport('explain', report);
    expect(report).toMatchObject({
      target: 'alpha@2017',
      nodes: [{ id: 'alpha/a', action: 'run', previous_key: null, reasons: [{ type: 'no-previous-run' }], explanations: ['no previous run'] }],
    });
  });

  it('names the changed input, task code file and upstream, each with old and new digests', async () => {
    const rig = project();
    expect((await rig.buildJson()).result.code).toBe(0);

    rig.write({ 'src/a.txt': 'ALPHA two' });
    const input = await rig.run(['explain', 'alpha', 'a']);
    expect(input.code).toBe(0);
    expect(input.stdout).toBe(`alpha/a: will run\n  - input src/a.txt changed: ${short(sha256('alpha'))} → ${short(sha256('ALPHA two'))}\n`);

    const newShout = 'export const shout = (s: string): string => s.toUpperCase().trim();\n';
    rig.write({ 'lib/shout.ts': newShout });
    const code = await rig.run(['explain', 'alpha', 'a']);
    expect(code.stdout).toBe(
      [
        'alpha/a: will run',
        `  - task code lib/shout.ts changed: ${short(sha256(SHOUT_LIB))} → ${short(sha256(newShout))}`,
        `  - input src/a.txt changed: ${short(sha256('alpha'))} → ${short(sha256('ALPHA two'))}`,
        '',
      ].join('\n'),
    );
    const codeJson = await rig.run(['explain', 'alpha', 'a', '--json']);
    const codeReport = JSON.parse(codeJson.stdout) as unknown;
    expectValidReport('explain', codeReport);
    expect(codeReport).toMatchObject({
      nodes: [
        {
          reasons: [
            { type: 'code-changed', file: 'lib/shout.ts', old: sha256(SHOUT_LIB), new: sha256(newShout) },
            { type: 'input-changed', path: 'src/a.txt', old: sha256('alpha'), new: sha256('ALPHA two') },
          ],
        },
      ],
    });

    // Build alpha alone: beta/c's stored key now names an old output of alpha/b.
    const alphaOnly = await rig.buildJson(['alpha']);
    expect(statuses(alphaOnly.report)).toEqual({ 'alpha/a': 'executed', 'alpha/b': 'executed' });
    const upstream = await rig.run(['explain', 'beta', 'c']);
    expect(upstream.code).toBe(0);
    expect(upstream.stdout).toBe(
      [
        'beta/c: will run',
        `  - task code lib/shout.ts changed: ${short(sha256(SHOUT_LIB))} → ${short(sha256(newShout))}`,
        `  - upstream alpha/b changed: ${short(outTxtDigest('BETA|ALPHA!'))} → ${short(outTxtDigest('BETA|ALPHA TWO!'))}`,
        '',
      ].join('\n'),
    );
    const upstreamJson = JSON.parse((await rig.run(['explain', 'beta', 'beta/c', '--json'])).stdout) as unknown;
    expectValidReport('explain', upstreamJson);
    expect(upstreamJson).toMatchObject({
      nodes: [
        {
          id: 'beta/c',
          reasons: [
            { type: 'code-changed', file: 'lib/shout.ts' },
            { type: 'upstream-changed', upstream: 'alpha/b', old: outTxtDigest('BETA|ALPHA!'), new: outTxtDigest('BETA|ALPHA TWO!') },
          ],
        },
      ],
    });
  });

  it('rejects a task that is not part of the target, and a missing target', async () => {
    const rig = project();
    const r = await rig.run(['explain', 'alpha', 'c']);
    expect(r).toMatchObject({ code: 2, stdout: '', stderr: 'kfm: task "alpha/c" is not part of alpha\n' });
    const none = await rig.run(['explain']);
    expect(none).toMatchObject({ code: 2, stdout: '', stderr: 'kfm: usage: kfm explain <dataset>[@slice] [task], or kfm explain <dataset>[@slice]/<task>\n' });
    const unknown = await rig.run(['explain', 'delta']);
    expect(unknown).toMatchObject({ code: 2, stdout: '', stderr: 'kfm: unknown dataset "delta" (datasets: alpha, beta, gamma)\n' });
  });
});
