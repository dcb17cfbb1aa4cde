/** The report schemas themselves: their ids, and that they reject what kfm must never print. */
import { describe, expect, it } from 'vitest';
import { isValidReport, schemaId } from './reportSchemas.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;

const build = () => ({
  kfm_build_report_version: 'v1',
  run_id: '20250101T000000Z-0123abcd',
  status: 'succeeded',
  nodes: [
    { id: 'a/x', status: 'executed', key: D('1'), reason: { type: 'input-changed', path: 'src/a.txt', old: D('2'), new: D('3') }, duration_ms: 4 },
    { id: 'a/y', status: 'cached', key: D('4') },
    { id: 'a/z', status: 'failed', key: D('5'), error: { message: 'boom', location: 't.ts:3:9' } },
    { id: 'a/w', status: 'skipped', key: null, skipped_because: { type: 'upstream-failed', upstream: 'a/z' } },
    { id: 'a/v', status: 'skipped', key: null },
  ],
  versions: [
    {
      dataset_slug: 'a',
      slice: '2020-06',
      dataset_version_id: '2020-06.0123abcd.89abcdef',
      spec_hash: D('6'),
      inputs_digest: D('7'),
      created: true,
      mode: 'backfill',
      mode_reason: 'raw inputs changed since 2020-06.0123abcd (same spec): a/x:in.csv sha256:111111111111 → sha256:222222222222',
      receipts: ['kfm://run/20250101T000000Z.a.0123abcd'],
      stages: [
        {
          stage: 'kfm:catalog',
          status: 'executed',
          key: D('8'),
          reason: 'no catalog recorded for the version yet',
          paths: ['catalog/a/2020-06.0123abcd.89abcdef/dcat.jsonld'],
          receipt: { run_id: 'kfm://run/20250101T000000Z.a.89abcdef', seq: 2 },
          problems: 0,
        },
      ],
      // Added with QA quarantine (every version says its status and failed checks).
      status: 'quarantined',
      failed_checks: [{ node: 'a/qa', name: 'feature_count', value: 3, threshold: '>= 200' }] as Record<string, unknown>[],
    },
  ],
  errors: [],
  integrity: [
    { type: 'object-corrupt', digest: D('9'), node: 'a/x', output: 'out.txt', found: 'corrupt' },
    { type: 'data-file-restored', path: 'processed/a/2020.0123abcd/out.txt', digest: D('9'), edited: D('a'), kept_at: '/p/.kfm/data-edits/processed/a/2020.0123abcd/out.txt.aaaaaaaaaaaaaaaa' },
  ] as Record<string, unknown>[],
  counts: { executed: 1, cached: 1, failed: 1, skipped: 2 },
  duration_ms: 12,
});

describe('report schemas', () => {
  it('have kfm.dev ids', () => {
    for (const kind of ['build', 'plan', 'explain', 'error', 'check', 'receipts-verify', 'status', 'log'] as const) {
      expect(schemaId(kind)).toBe(`https://kfm.dev/schemas/${kind}-report.schema.json`);
    }
  });

  it('accept a well-formed build report and reject malformed ones', () => {
    expect(isValidReport('build', build())).toBe(true);
    for (const because of [{ type: 'interrupted' }, { type: 'stopped-after-failure' }]) {
      const r = build();
      Object.assign(r.nodes[3]!, { skipped_because: because });
      expect(isValidReport('build', r), because.type).toBe(true);
    }
    const broken: [string, (r: ReturnType<typeof build>) => void][] = [
      ['an executed node without a reason', (r) => delete (r.nodes[0] as { reason?: unknown }).reason],
      ['an unknown reason', (r) => ((r.nodes[0] as { reason: unknown }).reason = { type: 'vibes' })],
      ['a reason missing its fields', (r) => ((r.nodes[0] as { reason: unknown }).reason = { type: 'input-changed', path: 'x' })],
      ['a cached node with a reason', (r) => Object.assign(r.nodes[1]!, { reason: { type: 'clean' } })],
      ['a failed node without an error', (r) => delete (r.nodes[2] as { error?: unknown }).error],
      ['a skipped node with a key', (r) => (r.nodes[3]!.key = D('8'))],
      ['a version stage in an unknown status', (r) => ((r.versions[0]!.stages[0] as { status: string }).status = 'maybe')],
      ['a version stage receipt with a build run id', (r) => (r.versions[0]!.stages[0]!.receipt = { run_id: '20250101T000000Z-0123abcd', seq: 2 })],
      ['an unknown skip reason', (r) => Object.assign(r.nodes[3]!, { skipped_because: { type: 'bored' } })],
      ['an upstream failure without the upstream', (r) => Object.assign(r.nodes[3]!, { skipped_because: { type: 'upstream-failed' } })],
      ['a skip reason as the old string', (r) => Object.assign(r.nodes[3]!, { skipped_because: 'a/z' })],
      ['a failed node with a skip reason', (r) => Object.assign(r.nodes[2]!, { skipped_because: { type: 'interrupted' } })],
      ['an executed node with a skip reason', (r) => Object.assign(r.nodes[0]!, { skipped_because: { type: 'interrupted' } })],
      ['a short digest', (r) => (r.nodes[1]!.key = 'sha256:abc')],
      ['a bad dataset version id', (r) => (r.versions[0]!.dataset_version_id = '2020-06.0123ABCD')],
      ['an unknown rerun mode', (r) => (r.versions[0]!.mode = 'rebuild')],
      ['a version without its mode reason', (r) => delete (r.versions[0] as { mode_reason?: unknown }).mode_reason],
      ['a receipt that is not a run id', (r) => (r.versions[0]!.receipts = ['20250101T000000Z-0123abcd'])],
      ['an unknown status', (r) => (r.status = 'done')],
      ['a version without its status', (r) => delete (r.versions[0] as { status?: unknown }).status],
      ['an unknown version status', (r) => (r.versions[0]!.status = 'held')],
      ['a failed check without its threshold', (r) => delete r.versions[0]!.failed_checks[0]!['threshold']],
      ['an extra field', (r) => Object.assign(r, { extra: 1 })],
      ['no integrity list', (r) => delete (r as { integrity?: unknown }).integrity],
      ['an unknown integrity event', (r) => (r.integrity[0]!['type'] = 'object-lost')],
      ['a corrupt object without its node', (r) => delete r.integrity[0]!['node']],
      ['another version', (r) => (r.kfm_build_report_version = 'v2')],
    ];
    for (const [what, mutate] of broken) {
      const r = build();
      mutate(r);
      expect(isValidReport('build', r), what).toBe(false);
    }
  });

  it('tie plan actions to reasons', () => {
    const plan = (action: string, reasons: unknown[], key: string | null = D('1')) => ({
      kfm_plan_version: 'v1',
      targets: [],
      nodes: [{ id: 'a/x', action, key, previous_key: null, reasons }],
    });
    expect(isValidReport('plan', plan('run', [{ type: 'no-previous-run' }]))).toBe(true);
    expect(isValidReport('plan', plan('pending', [{ type: 'upstream-pending', upstream: 'a/w' }], null))).toBe(true);
    expect(isValidReport('plan', plan('cached', []))).toBe(true);
    expect(isValidReport('plan', plan('run', []))).toBe(false);
    expect(isValidReport('plan', plan('cached', [{ type: 'always' }]))).toBe(false);
    expect(isValidReport('plan', plan('cached', [], null))).toBe(false);
  });

  it('require a location to be null or a file with an optional line and column', () => {
    const error = (location: unknown) => ({ kfm_error_version: 'v1', error: { code: 'kfmfile', message: 'm', location } });
    expect(isValidReport('error', error(null))).toBe(true);
    expect(isValidReport('error', error({ file: 'kfmfile.ts', line: 3, column: 1 }))).toBe(true);
    expect(isValidReport('error', error({ file: 'kfmfile.ts' }))).toBe(true);
    expect(isValidReport('error', error({ file: 'kfmfile.ts', column: 1 }))).toBe(false);
    expect(isValidReport('error', error({ file: 'kfmfile.ts', line: 0 }))).toBe(false);
    expect(isValidReport('error', { kfm_error_version: 'v1', error: { code: 'oops', message: 'm', location: null } })).toBe(false);
  });
});
