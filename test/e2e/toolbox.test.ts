/**
 * The operator's toolbox, through the real CLI: `kfm graph` (dot, mermaid, json, svg),
 * `kfm receipts show`, `kfm log --limit/-n/--since/--dataset`, and `kfm build -n`.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, useCliRigs } from '../support/cliRig.js';
import { AUDIT_FILES, type LedgerRow } from './auditProject.js';
import { expectValidReport } from './reportSchemas.js';
import Database from 'better-sqlite3';

const newRig = useCliRigs();
const hasDot = spawnSync('dot', ['-V']).error === undefined;

describe('kfm graph', () => {
  it('prints the task graph in build order as DOT, Mermaid and JSON, scoped to a target and what it needs', async () => {
    const rig = newRig(AUDIT_FILES);
    const json = await rig.run(['graph', '--format', 'json']);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as { datasets: { dataset_slug: string; nodes: string[] }[]; nodes: { id: string }[]; edges: [string, string][] };
    expectValidReport('graph', doc);
    expect(doc.datasets).toEqual([
      { dataset_slug: 'ks', nodes: ['ks/fetch', 'ks/clean'] },
      { dataset_slug: 'side', nodes: ['side/s'] },
    ]);
    expect(doc.edges).toEqual([['ks/fetch', 'ks/clean']]);
    // --json is the same document.
    expect((await rig.run(['graph', '--json'])).stdout).toBe(json.stdout);

    const dot = await rig.run(['graph', 'ks']);
    expect(dot.stdout).toBe(
      [
        'digraph kfm {',
        '  rankdir=LR;',
        '  node [shape=box, style=rounded, fontname="Helvetica"];',
        '  subgraph cluster_0 {',
        '    label="ks";',
        '    "ks/fetch" [label="fetch\\n(ingest)"];',
        '    "ks/clean" [label="clean\\n(transform)"];',
        '  }',
        '  "ks/fetch" -> "ks/clean";',
        '}',
        '',
      ].join('\n'),
    );
    const mermaid = await rig.run(['graph', '--format', 'mermaid', 'ks']);
    expect(mermaid.stdout).toBe(['flowchart LR', '  subgraph d0["ks"]', '    n0["fetch<br/>(ingest)"]', '    n1["clean<br/>(transform)"]', '  end', '  n0 --> n1', ''].join('\n'));
  });

  it('rejects an unknown format, a format that disagrees with --json, and --format on another command', async () => {
    const rig = newRig(AUDIT_FILES);
    expect(await rig.run(['graph', '--format', 'png'])).toMatchObject({ code: 2, stderr: 'kfm: --format needs one of dot, mermaid, json, svg (got "png")\n' });
    expect(await rig.run(['graph', '--json', '--format', 'dot'])).toMatchObject({ code: 2, stderr: 'kfm: --json and --format dot disagree: give one\n' });
    expect((await rig.run(['plan', '--format', 'dot'])).stderr).toBe('kfm: --format applies to kfm graph (not plan)\n');
    expect((await rig.run(['graph', 'nope'])).stderr).toBe('kfm: unknown dataset "nope" (datasets: ks, side)\n');
  });

  it('--format svg runs Graphviz when it is installed, and says how to install it when it is not', async () => {
    const rig = newRig(AUDIT_FILES);
    const without = await rig.run(['graph', '--format', 'svg'], { env: { PATH: '/nonexistent' } });
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/^kfm: --format svg needs Graphviz, which is not installed \(Debian\/Ubuntu: apt-get install graphviz;/);
    if (!hasDot) {
      if (process.env['CI']) throw new Error('Graphviz (dot) must be installed in CI (.ci/run installs graphviz)');
      console.warn('skipped the svg half: Graphviz (dot) is not installed');
      return;
    }
    const svg = await rig.run(['graph', '--format', 'svg']);
    expect(svg.code).toBe(0);
    expect(svg.stdout).toContain('<svg');
    expect(svg.stdout.match(/class="node"/g)).toHaveLength(3);
  });
});

describe('kfm receipts show', () => {
  it('decodes an entry by seq or run id, verifies its signature with the pinned key, and places it in the chain', async () => {
    const rig = newRig(AUDIT_FILES);
    expect((await rig.buildJson()).result.code).toBe(0);
    const byseq = await rig.run(['receipts', 'show', '2', '--json']);
    expect(byseq.code).toBe(0);
    const report = JSON.parse(byseq.stdout) as { run_id: string; signature: { status: string; keyid: string }; chain: { intact: boolean }; statement: { subjects: { name: string }[]; predicate: { node: string } } };
    expectValidReport('receipts-show', report);
    expect(report.signature.status).toBe('verified');
    expect(report.chain.intact).toBe(true);
    expect(report.statement.subjects.length).toBeGreaterThan(0);
    const byId = await rig.run(['receipts', 'show', report.run_id, '--json']);
    expect(byId.stdout).toBe(byseq.stdout);
    const text = await rig.run(['receipts', 'show', report.run_id.slice('kfm://run/'.length) + '.json']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`signature  verified with pinned key ${report.signature.keyid}\n`);
    expect(text.stdout).toMatch(/^chain {6}entry sha256:[0-9a-f]{64}, after sha256:[0-9a-f]{64}: intact$/m);

    const entries = (JSON.parse((await rig.run(['log', '--json'])).stdout) as { entries: unknown[] }).entries.length;
    expect(await rig.run(['receipts', 'show', '99'])).toMatchObject({ code: 2, stderr: `kfm: the audit ledger has no entry 99 (it has 1-${entries})\n` });
    expect((await rig.run(['receipts', 'show', 'kfm://run/20000101T000000Z.ks.00000000'])).stderr).toBe(
      'kfm: the audit ledger has no receipt with run id kfm://run/20000101T000000Z.ks.00000000 (kfm log lists them)\n',
    );
  });

  it('exits 1 and says why when the entry was tampered with', async () => {
    const rig = newRig(AUDIT_FILES);
    expect((await rig.buildJson()).result.code).toBe(0);
    const db = new Database(rig.path('.kfm/ledger.db'));
    // An attacker with the file drops the append-only triggers first.
    db.exec('DROP TRIGGER entries_no_update; DROP TRIGGER entries_no_delete; DROP TRIGGER entries_extend_chain;');
    const row = db.prepare('SELECT * FROM entries WHERE seq = 1').get() as LedgerRow;
    const env = JSON.parse(row.envelope) as { payload: string };
    const payload = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as { predicate: { actor: { principal: string } } };
    payload.predicate.actor.principal = 'mallory';
    env.payload = Buffer.from(JSON.stringify(payload)).toString('base64');
    db.prepare('UPDATE entries SET envelope = ? WHERE seq = 1').run(JSON.stringify(env));
    db.close();
    const r = await rig.run(['receipts', 'show', '1', '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { signature: { status: string; problems: string[] }; chain: { intact: boolean } };
    expect(report.signature.status).toBe('failed');
    expect(report.signature.problems.join('\n')).toMatch(/signature invalid/);
    expect(report.chain.intact).toBe(false);
  });
});

describe('kfm log filters and build -n', () => {
  it('--limit / -n keep the most recent entries, --since a date or a span, --dataset a slug', async () => {
    const rig = newRig(AUDIT_FILES);
    expect((await rig.buildJson()).result.code).toBe(0);
    const all = JSON.parse((await rig.run(['log', '--json'])).stdout) as { entries: { seq: number; dataset_slug: string }[] };
    // Two task receipts and a catalog receipt for ks, a task receipt and a catalog receipt for side.
    expect(all.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    const seqs = async (...args: string[]) => {
      const r = await rig.run(['log', '--json', ...args]);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as { entries: { seq: number }[] };
      expectValidReport('log', doc);
      return doc.entries.map((e) => e.seq);
    };
    expect(await seqs('--limit', '2')).toEqual([4, 5]);
    expect(await seqs('-n', '1')).toEqual([5]);
    expect(await seqs('--since', '1d')).toEqual([1, 2, 3, 4, 5]);
    expect(await seqs('--since', '2999-01-01')).toEqual([]);
    expect(await seqs('--since', '2000-01-01T00:00:00Z', '-n', '1')).toEqual([5]);
    const side = all.entries.filter((e) => e.dataset_slug === 'side').map((e) => e.seq);
    expect(await seqs('--dataset', 'side')).toEqual(side);
    expect((await rig.run(['log', '--since', '2999-01-01'])).stdout).toBe('the audit ledger has no entries since 2999-01-01T00:00:00.000Z\n');

    expect((await rig.run(['log', '--limit', '0'])).stderr).toBe('kfm: --limit needs a positive integer (got "0")\n');
    expect((await rig.run(['log', '--since', 'yesterday'])).stderr).toMatch(/^kfm: --since needs a date \(2026-12-01\)/);
    expect((await rig.run(['log', 'ks', '--dataset', 'side'])).code).toBe(2);
    expect((await rig.run(['status', '--limit', '2'])).stderr).toBe('kfm: --limit applies to kfm log (not status)\n');
  });

  it('kfm build -n is kfm plan: it runs and writes nothing', async () => {
    const rig = newRig(AUDIT_FILES);
    const dry = await rig.run(['-C', '.', 'build', '-n', 'ks']);
    const plan = await rig.run(['-C', '.', 'plan', 'ks']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(plan.stdout);
    expect(dry.stdout).toMatch(/^plan: 2 to run, 0 pending on upstream, 0 cached$/m);
  });
});

describe('help per command, -V, completion', () => {
  it('every command has its own --help (usage, options, examples), also as kfm help <command>', async () => {
    const rig = newRig(AUDIT_FILES);
    const listed = /\(commands: ([^;]+);/.exec((await rig.run(['frob'])).stderr)![1]!.split(', ');
    expect(listed).toContain('graph');
    for (const command of listed) {
      const r = await rig.run([command, '--help']);
      expect(r.code, command).toBe(0);
      expect(r.stdout, command).toMatch(new RegExp(`^usage: kfm ${command}\\b`));
      expect(r.stdout, command).toMatch(/\nExamples:\n {2}\S/);
      expect((await rig.run(['help', command])).stdout).toBe(r.stdout);
    }
    // The global help lists every command.
    const global = (await rig.run(['--help'])).stdout;
    for (const command of listed) expect(global, command).toMatch(new RegExp(`^ {2}${command}\\b`, 'm'));
    expect(await rig.run(['help', 'frob'])).toMatchObject({ code: 2 });
    expect((await rig.run(['-V'])).stdout).toBe((await rig.run(['--version'])).stdout);
  });

  it('kfm completion bash completes commands, options and the registry datasets', async () => {
    const rig = newRig(AUDIT_FILES);
    expect((await rig.buildJson()).result.code).toBe(0);
    const script = (await rig.run(['completion', 'bash'])).stdout;
    const complete = (...words: string[]) => {
      const run = spawnSync('bash', ['-c', `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _kfm; printf '%s\\n' "\${COMPREPLY[@]}"`], {
        cwd: rig.dir,
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      return run.stdout.trim().split('\n');
    };
    expect(complete('kfm', 'gr')).toEqual(['graph']);
    expect(complete('kfm', 'log', '--si')).toEqual(['--since']);
    expect(complete('kfm', 'graph', '--format', 'm')).toEqual(['mermaid']);
    expect(complete('kfm', 'status', 's')).toEqual(['side']);
    expect((await rig.run(['completion', 'zsh'])).stdout).toMatch(/^#compdef kfm\n/);
    expect((await rig.run(['completion', 'fish'])).stderr).toBe('kfm: usage: kfm completion bash|zsh\n');
  });
});

describe('kfm plan order', () => {
  it('lists nodes in build order grouped by dataset: datasets as declared, each after the datasets it needs', async () => {
    const rig = newRig({
      'kfmfile.ts': `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('zeta'), [task('z2', { run: './t.ts', deps: ['z1', 'alpha/a2'] }), task('z1', { run: './t.ts' })]),
  dataset(spec('alpha'), [task('a2', { run: './t.ts', deps: ['a1'] }), task('a1', { run: './t.ts' })]),
  dataset(spec('mid'), [task('m', { run: './t.ts' })]),
] });
`,
      't.ts': `import type { TaskContext } from 'kfm';\nexport default async function t(ctx: TaskContext): Promise<void> { await ctx.output('o.txt', ctx.id, 'text/plain'); }\n`,
    });
    const plan = await rig.run(['plan']);
    expect(plan.stderr).toBe('');
    expect(plan.stdout.split('\n').slice(0, 5).map((l) => l.split(/\s+/)[1])).toEqual(['alpha/a1', 'alpha/a2', 'zeta/z1', 'zeta/z2', 'mid/m']);
  });
});
