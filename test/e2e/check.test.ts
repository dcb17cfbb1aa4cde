/**
 * `kfm check`: spec_hash drift against registry/<slug>.json, for CI. Exit 1 on drift with the
 * JSON pointers that changed, 0 when clean or after `--update`; it reads the kfmfile and task
 * code only (no data, no state, no store).
 */
import { existsSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useCliRigs, type CliRig } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

const SPEC = (slug: string, threshold: string) =>
  `{ kfm_spec_version: 'v1', dataset_slug: '${slug}', title: '${slug}', upstream: { authority: 'test', access_method: 'file', endpoints: [], cadence: 'none', terms_snapshot: { license: 'CC0-1.0' } }, sensitivity: { policy_label_intent: 'public', pii_risk: 'none', sensitive_location_risk: 'none', obligations: [] }, normalization: { canonical_fields: [], crs: 'none' }, validation: { checks: [{ name: 'row_count', threshold: '${threshold}' }] }, outputs: [] }`;

const KFMFILE = (threshold: string) => `import { defineKfm, dataset, task, ingest } from 'kfm';
const ks = ${SPEC('ks', threshold)};
export default defineKfm({ datasets: [
  dataset(ks, [
    ingest('fetch', { source: 'file:src/rows.csv' }),
    task('clean', { run: './clean.ts', deps: ['fetch'] }),
    task('qa', { run: './qa.ts', deps: ['clean'], operation: 'qa', params: { checks: ks.validation.checks } }),
  ], { slice: '2019' }),
  dataset(${SPEC('side', '>= 0')}, [task('s', { run: './qa.ts' })]),
] });
`;

const CLEAN_TASK = `import type { TaskContext } from 'kfm';
import { tidy } from './lib/tidy.js';
export default async function clean(ctx: TaskContext): Promise<void> {
  await ctx.output('rows.txt', tidy(await ctx.dep('fetch')['rows.csv']!.text()), 'text/plain');
}
`;
const TIDY = `export const tidy = (s: string): string => s.trim();\n`;
const QA_TASK = `import type { TaskContext } from 'kfm';
export default async function qa(ctx: TaskContext): Promise<void> {
  await ctx.output('qa/validation_report.json', JSON.stringify({ status: 'pass', reports: [] }), 'application/json');
}
`;

function project(): CliRig {
  return newRig({ 'kfmfile.ts': KFMFILE('>= 1'), 'clean.ts': CLEAN_TASK, 'lib/tidy.ts': TIDY, 'qa.ts': QA_TASK, 'src/rows.csv': 'id\n1\n' });
}

async function checkJson(rig: CliRig, args: string[] = []) {
  const r = await rig.run(['check', '--json', ...args]);
  const report = JSON.parse(r.stdout) as {
    status: string;
    datasets: { dataset_slug: string; status: string; spec_hash: string; registered_spec_hash: string | null; changes: { pointer: string; files?: string[] }[]; updated: boolean }[];
  };
  expectValidReport('check', report);
  return { code: r.code, report };
}

describe('kfm check', () => {
  it('reports unregistered datasets, is clean after a build and --update, and names the fields that drift', async () => {
    const rig = project();
    const fresh = await rig.run(['check']);
    expect(fresh).toMatchObject({ code: 1, stderr: '' });
    expect(fresh.stdout).toBe(
      [
        'not registered ks (no registry/ks.json)',
        'not registered side (no registry/side.json)',
        'check: 0 drifted, 2 not registered, 0 clean; `kfm check --update` records the current specs',
        '',
      ].join('\n'),
    );
    // It reads neither data nor state: no .kfm/ appears.
    expect(existsSync(rig.path('.kfm'))).toBe(false);

    expect((await rig.run(['build', 'ks'])).code).toBe(0);
    const afterBuild = await checkJson(rig);
    expect(afterBuild.code).toBe(1);
    expect(afterBuild.report.status).toBe('drift');
    expect(afterBuild.report.datasets.map((d) => [d.dataset_slug, d.status])).toEqual([
      ['ks', 'clean'],
      ['side', 'not_registered'],
    ]);

    const update = await rig.run(['check', '--update']);
    expect(update).toMatchObject({ code: 0, stderr: '' });
    expect(update.stdout).toBe('clean          ks\nregistered     side (registry/side.json)\ncheck: 1 recorded in registry/, 1 clean\n');
    expect(JSON.parse(rig.read('registry/side.json'))).toMatchObject({ dataset_slug: 'side', versions: [], latest_version_id: null });
    expect(await rig.run(['check'])).toEqual({ code: 0, signal: null, stdout: 'clean          ks\nclean          side\ncheck: 2 clean (2 datasets)\n', stderr: '' });

    // A QA threshold edit: both the spec field and the QA task's parameter drift.
    rig.write({ 'kfmfile.ts': KFMFILE('>= 2') });
    const registered = JSON.parse(rig.read('registry/ks.json')) as { spec_hash: string; versions: unknown[] };
    const drift = await rig.run(['check']);
    expect(drift.code).toBe(1);
    const lines = drift.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^drifted        ks \\(registry/ks\\.json: ${registered.spec_hash.slice(0, 19)} → sha256:[0-9a-f]{12}\\)$`));
    expect(lines.slice(1)).toEqual([
      '  /spec/validation/checks/0/threshold: ">= 1" → ">= 2"',
      '  /tasks/2/params/checks/0/threshold: ">= 1" → ">= 2"',
      'clean          side',
      'check: 1 drifted, 0 not registered, 1 clean; `kfm check --update` records the current specs',
      '',
    ]);
    const json = await checkJson(rig);
    expect(json.report.datasets[0]).toMatchObject({
      dataset_slug: 'ks',
      status: 'drifted',
      registered_spec_hash: registered.spec_hash,
      changes: [
        { pointer: '/spec/validation/checks/0/threshold', old: '>= 1', new: '>= 2' },
        { pointer: '/tasks/2/params/checks/0/threshold', old: '>= 1', new: '>= 2' },
      ],
      updated: false,
    });

    // --update records the new spec and keeps the versions.
    const updated = await checkJson(rig, ['--update']);
    expect(updated.code).toBe(0);
    expect(updated.report.status).toBe('updated');
    expect(updated.report.datasets[0]).toMatchObject({ status: 'drifted', updated: true });
    const after = JSON.parse(rig.read('registry/ks.json')) as { spec_hash: string; versions: unknown[] };
    expect(after.spec_hash).toBe(updated.report.datasets[0]!.spec_hash);
    expect(after.versions).toEqual(registered.versions);
    expect((await rig.run(['check'])).code).toBe(0);

    // Task code: a file the task imports changed.
    rig.write({ 'lib/tidy.ts': TIDY.replace('s.trim()', 's.trim().toLowerCase()') });
    const code = await rig.run(['check']);
    expect(code.code).toBe(1);
    expect(code.stdout.split('\n')[1]).toBe('  /tasks/0/code: task code changed (lib/tidy.ts)');
    expect((await checkJson(rig)).report.datasets[0]!.changes).toEqual([{ pointer: '/tasks/0/code', old: expect.any(String), new: expect.any(String), files: ['lib/tidy.ts'] }]);
  });

  it('never reads data: it works with the inputs gone', async () => {
    const rig = project();
    expect((await rig.run(['check', '--update'])).code).toBe(0);
    rmSync(rig.path('src'), { recursive: true });
    expect(await rig.run(['check'])).toMatchObject({ code: 0, stdout: 'clean          ks\nclean          side\ncheck: 2 clean (2 datasets)\n' });
    // The build does need them.
    expect((await rig.run(['build'])).code).toBe(2);
  });

  it('refuses a registry file that does not match its schema', async () => {
    const rig = project();
    expect((await rig.run(['check', '--update'])).code).toBe(0);
    const doc = JSON.parse(rig.read('registry/ks.json')) as Record<string, unknown>;
    rig.write({ 'registry/ks.json': JSON.stringify({ ...doc, spec_hash: 'sha256:nothex' }) });
    const r = await rig.run(['check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'kfm: registry/ks.json: does not match schemas/registry.schema.json: /spec_hash must match pattern "^sha256:[0-9a-f]{64}$"\n',
    );
  });
});
