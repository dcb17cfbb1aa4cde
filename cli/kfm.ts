import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exitCodeFor, KfmError } from '../core/error.js';
import { kfmVersion } from '../core/kfmVersion.js';
import { REPORTERS, type CliContext, type ReporterName } from './cliContext.js';
import { HELP } from './help.js';
import { systemError } from './systemError.js';
import { BUILD_RERUN_MODES, type BuildRerunMode } from '../core/buildRerunMode.js';

type Command = (cli: CliContext) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  build: async () => (await import('./commands/build.js')).buildCommand,
  plan: async () => (await import('./commands/plan.js')).planCommand,
  explain: async () => (await import('./commands/plan.js')).explainCommand,
  check: async () => (await import('./commands/check.js')).checkCommand,
  promote: async () => (await import('./commands/promote.js')).promoteCommand,
  approve: async () => (await import('./commands/approve.js')).approveCommand,
  validate: async () => (await import('./commands/validate.js')).validateCommand,
  catalog: async () => (await import('./commands/catalog.js')).catalogCommand,
  receipts: async () => (await import('./commands/receipts.js')).receiptsCommand,
  status: async () => (await import('./commands/status.js')).statusCommand,
  log: async () => (await import('./commands/log.js')).logCommand,
  watch: async () => (await import('./commands/watch.js')).watchCommand,
  fsck: async () => (await import('./commands/fsck.js')).fsckCommand,
};

const writeStdout = (s: string) => void process.stdout.write(s);

const isReporterName = (name: string): name is ReporterName => (REPORTERS as readonly string[]).includes(name);

/** Options → command → exit code. Never throws: every error becomes a message and a code. */
export async function main(argv: string[], out = writeStdout, err = (s: string) => void process.stderr.write(s)): Promise<number> {
  let json = argv.includes('--json') || argv.includes('--reporter=json');
  let projectOptions: CliContext['project'] | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: joinNegativeJobs(argv),
      allowPositionals: true,
      strict: true,
      options: {
        directory: { type: 'string', short: 'C' },
        file: { type: 'string', short: 'f' },
        jobs: { type: 'string', short: 'j' },
        'keep-going': { type: 'boolean', short: 'k' },
        json: { type: 'boolean' },
        reporter: { type: 'string' },
        verbose: { type: 'boolean', short: 'v' },
        expect: { type: 'string' },
        actor: { type: 'string' },
        role: { type: 'string' },
        update: { type: 'boolean' },
        repair: { type: 'boolean' },
        head: { type: 'string' },
        watch: { type: 'boolean', short: 'w' },
        'verify-determinism': { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        override: { type: 'boolean' },
        rationale: { type: 'string' },
        sample: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
    if (values.version) {
      out(`kfm ${kfmVersion()}\n`);
      return 0;
    }
    const [name, ...rest] = positionals;
    if (values.help || name === undefined || name === 'help') {
      out(HELP);
      return name === undefined && !values.help ? 2 : 0;
    }
    const load = COMMANDS[name];
    if (!load) throw new KfmError('usage', `unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')}; see kfm --help)`);
    if (values.watch && name !== 'build' && name !== 'watch') throw new KfmError('usage', `--watch applies to kfm build (not ${name})`);
    if (values.expect !== undefined && name !== 'build') throw new KfmError('usage', `--expect applies to kfm build (not ${name})`);
    if (values.expect !== undefined && !(BUILD_RERUN_MODES as readonly string[]).includes(values.expect)) {
      throw new KfmError('usage', `--expect needs a rerun mode: ${BUILD_RERUN_MODES.join(', ')} (got "${values.expect}")`);
    }
    if ((values.actor !== undefined || values.role !== undefined) && !['build', 'promote', 'approve', 'catalog'].includes(name)) {
      throw new KfmError('usage', `--actor and --role apply to kfm build, promote, approve and catalog (not ${name})`);
    }
    for (const o of ['dry-run', 'override', 'rationale'] as const) {
      if (values[o] !== undefined && name !== 'promote') throw new KfmError('usage', `--${o} applies to kfm promote (not ${name})`);
    }
    if (values.rationale !== undefined && !values.override) throw new KfmError('usage', '--rationale applies to kfm promote --override');
    const verifying = values['verify-determinism'] === true;
    if (verifying && name !== 'build') throw new KfmError('usage', `--verify-determinism applies to kfm build (not ${name})`);
    if (verifying && values.watch) throw new KfmError('usage', '--verify-determinism applies to kfm build, not to watch mode');
    if (values.sample !== undefined && !verifying) throw new KfmError('usage', '--sample applies to kfm build --verify-determinism');
    let sample: number | undefined;
    if (values.sample !== undefined) {
      sample = Number(values.sample);
      if (!/^[0-9]+$/.test(values.sample) || !Number.isSafeInteger(sample) || sample < 1) throw new KfmError('usage', `--sample needs a positive integer (got "${values.sample}")`);
    }
    if (values.update && name !== 'check') throw new KfmError('usage', `--update applies to kfm check (not ${name})`);
    if (values.repair && name !== 'receipts' && name !== 'fsck') throw new KfmError('usage', `--repair applies to kfm receipts verify and kfm fsck (not ${name})`);
    if (values.head !== undefined && name !== 'receipts') throw new KfmError('usage', `--head applies to kfm receipts verify (not ${name})`);
    const reporter = values.json ? 'json' : values.reporter;
    if (reporter !== undefined && !isReporterName(reporter)) throw new KfmError('usage', `unknown reporter "${reporter}" (ink, plain or json)`);
    json = reporter === 'json';
    let jobs: number | undefined;
    if (values.jobs !== undefined) {
      jobs = Number(values.jobs);
      if (!Number.isInteger(jobs) || jobs < 1) throw new KfmError('usage', `--jobs needs a positive integer (got "${values.jobs}")`);
    }
    if (values.directory !== undefined) {
      // Checked here: a missing directory must not send the kfmfile search to its parents.
      const st = statSync(values.directory, { throwIfNoEntry: false });
      if (!st) throw new KfmError('usage', `-C ${values.directory}: no such directory`);
      if (!st.isDirectory()) throw new KfmError('usage', `-C ${values.directory}: not a directory`);
    }
    const cli: CliContext = {
      positionals: rest,
      project: { cwd: values.directory ?? process.cwd(), ...(values.file !== undefined ? { file: values.file } : {}) },
      reporter,
      jobs,
      keepGoing: values['keep-going'] ?? false,
      verbose: values.verbose ?? false,
      expect: values.expect as BuildRerunMode | undefined,
      actor: values.actor,
      role: values.role,
      update: values.update ?? false,
      repair: values.repair ?? false,
      head: values.head,
      dryRun: values['dry-run'] ?? false,
      override: values.override ?? false,
      rationale: values.rationale,
      watch: values.watch === true || name === 'watch',
      ...(verifying ? { verifyDeterminism: { sample } } : {}),
      out,
      err,
      terminal: out === writeStdout ? process.stdout : undefined,
    };
    projectOptions = cli.project;
    return await (await load())(cli);
  } catch (e) {
    let error =
      e instanceof KfmError
        ? e
        : (e as { code?: string } | undefined)?.code?.startsWith('ERR_PARSE_ARGS')
          ? new KfmError('usage', `${(e as Error).message} (see kfm --help)`)
          : systemError(e, resolve(projectOptions?.cwd ?? process.cwd()));
    if (!error) {
      err(`kfm: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      return 1;
    }
    if (error.node !== undefined && projectOptions) error = await locateNodeError(error, projectOptions);
    err(`kfm: ${error.display}\n`);
    if (json) {
      out(JSON.stringify({ kfm_error_version: 'v1', error: { code: error.code, message: error.message, location: error.location ?? null } }, null, 2) + '\n');
    }
    return exitCodeFor(error.code);
  }
}

/**
 * `--jobs -1` / `-j -1`: parseArgs takes `-1` for an option and calls the value ambiguous;
 * joined (`--jobs=-1`) it reaches the check that explains what --jobs takes.
 */
function joinNegativeJobs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if ((a === '--jobs' || a === '-j') && next !== undefined && /^-[0-9.]/.test(next)) {
      out.push(`--jobs=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Adds the declaration's location to an error about a node (see engine/load/locateError.ts). */
async function locateNodeError(error: KfmError, project: CliContext['project']): Promise<KfmError> {
  const { findKfmfile } = await import('../engine/load/findKfmfile.js');
  const { locateError } = await import('../engine/load/locateError.js');
  const kfmfile = project.file !== undefined ? resolve(project.cwd, project.file) : findKfmfile(project.cwd);
  return kfmfile ? locateError(error, kfmfile).catch(() => error) : error;
}
