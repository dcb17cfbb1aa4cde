import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exitCodeFor, KfmError } from '../core/error.js';
import { kfmVersion } from '../core/kfmVersion.js';
import { REPORTERS, type CliContext, type ReporterName } from './cliContext.js';
import { HELP } from './help.js';
import { COMMAND_HELP, commandHelpText } from './commandHelp.js';
import { completionScript } from './completionScript.js';
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
  graph: async () => (await import('./commands/graph.js')).graphCommand,
  init: async () => (await import('./commands/init.js')).initCommand,
  gc: async () => (await import('./commands/gc.js')).gcCommand,
  clean: async () => (await import('./commands/clean.js')).cleanCommand,
  rebuild: async () => (await import('./commands/rebuild.js')).rebuildCommand,
  rollback: async () => (await import('./commands/rollback.js')).rollbackCommand,
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  worker: async () => (await import('./commands/worker.js')).workerCommand,
};

/** Every option kfm takes; each command checks which apply to it. */
const OPTIONS = {
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
  sample: { type: 'string' },
  format: { type: 'string' },
  limit: { type: 'string' },
  since: { type: 'string' },
  dataset: { type: 'string' },
  'dry-run': { type: 'boolean' },
  override: { type: 'boolean' },
  rationale: { type: 'string' },
  'keep-last': { type: 'string' },
  targets: { type: 'string' },
  check: { type: 'boolean' },
  to: { type: 'string' },
  reason: { type: 'string' },
  force: { type: 'boolean', short: 'B' },
  port: { type: 'string' },
  host: { type: 'string' },
  executor: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const satisfies Record<string, { type: 'string' | 'boolean'; short?: string }>;

const writeStdout = (s: string) => void process.stdout.write(s);

const isReporterName = (name: string): name is ReporterName => (REPORTERS as readonly string[]).includes(name);

/** Options → command → exit code. Never throws: every error becomes a message and a code. */
export async function main(argv: string[], out = writeStdout, err = (s: string) => void process.stderr.write(s)): Promise<number> {
  let json = argv.includes('--json') || argv.includes('--reporter=json');
  let projectOptions: CliContext['project'] | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: shortAliases(joinNegativeJobs(argv)),
      allowPositionals: true,
      strict: true,
      options: OPTIONS,
    });
    if (values.version) {
      out(`kfm ${kfmVersion()}\n`);
      return 0;
    }
    const [name, ...rest] = positionals;
    const unknown = (command: string) => new KfmError('usage', `unknown command "${command}" (commands: ${Object.keys(COMMANDS).join(', ')}; see kfm --help)`);
    if (values.help || name === undefined || name === 'help') {
      const about = name === 'help' ? rest[0] : values.help ? name : undefined;
      if (about === undefined) {
        out(HELP);
        return name === undefined && !values.help ? 2 : 0;
      }
      const help = COMMAND_HELP[about];
      if (!help) throw unknown(about);
      out(commandHelpText(about, help));
      return 0;
    }
    if (name === 'completion') {
      if (rest.length !== 1 || (rest[0] !== 'bash' && rest[0] !== 'zsh')) throw new KfmError('usage', `usage: ${COMMAND_HELP['completion']!.usage}`);
      out(completionScript(rest[0], Object.keys(COMMANDS), OPTIONS));
      return 0;
    }
    const load = COMMANDS[name];
    if (!load) throw unknown(name);
    if (values.json && values.reporter !== undefined && values.reporter !== 'json') {
      throw new KfmError('usage', `--json and --reporter ${values.reporter} disagree: give one`);
    }
    if (values.watch && name !== 'build' && name !== 'watch') throw new KfmError('usage', `--watch applies to kfm build (not ${name})`);
    if (values.expect !== undefined && name !== 'build') throw new KfmError('usage', `--expect applies to kfm build (not ${name})`);
    if (values.expect !== undefined && !(BUILD_RERUN_MODES as readonly string[]).includes(values.expect)) {
      throw new KfmError('usage', `--expect needs a rerun mode: ${BUILD_RERUN_MODES.join(', ')} (got "${values.expect}")`);
    }
    if ((values.actor !== undefined || values.role !== undefined) && !['build', 'promote', 'approve', 'catalog', 'rebuild', 'rollback'].includes(name)) {
      throw new KfmError('usage', `--actor and --role apply to kfm build, promote, approve, catalog, rebuild and rollback (not ${name})`);
    }
    for (const o of ['override', 'rationale'] as const) {
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
    if (values.format !== undefined && name !== 'graph') throw new KfmError('usage', `--format applies to kfm graph (not ${name})`);
    for (const option of ['limit', 'since', 'dataset'] as const) {
      if (values[option] !== undefined && name !== 'log') throw new KfmError('usage', `--${option} applies to kfm log (not ${name})`);
    }
    if (values['dry-run'] && !['promote', 'gc', 'clean'].includes(name)) throw new KfmError('usage', `--dry-run applies to kfm promote, gc and clean (not ${name})`);
    for (const o of ['targets', 'check'] as const) {
      if (values[o] !== undefined && name !== 'rebuild') throw new KfmError('usage', `--${o} applies to kfm rebuild (not ${name})`);
    }
    for (const o of ['to', 'reason'] as const) {
      if (values[o] !== undefined && name !== 'rollback') throw new KfmError('usage', `--${o} applies to kfm rollback (not ${name})`);
    }
    if (values.force && !['build', 'plan', 'explain', 'rebuild'].includes(name)) throw new KfmError('usage', `--force applies to kfm build, plan, explain and rebuild (not ${name})`);
    if (values.force && (values.watch || name === 'watch')) throw new KfmError('usage', '--force applies to kfm build, not to watch mode (every change would rerun the forced nodes)');
    if (values.executor !== undefined && name !== 'build') throw new KfmError('usage', `--executor applies to kfm build (not ${name})`);
    if (values.executor !== undefined && values.executor !== 'local' && values.executor !== 'queue') throw new KfmError('usage', `--executor needs local or queue (got "${values.executor}")`);
    if (values.executor === 'queue' && values.watch) throw new KfmError('usage', '--executor queue applies to kfm build, not to watch mode');
    if (values['keep-last'] !== undefined && name !== 'gc') throw new KfmError('usage', `--keep-last applies to kfm gc (not ${name})`);
    for (const o of ['port', 'host'] as const) {
      if (values[o] !== undefined && name !== 'serve') throw new KfmError('usage', `--${o} applies to kfm serve (not ${name})`);
    }
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
      format: values.format,
      limit: values.limit,
      since: values.since,
      dataset: values.dataset,
      dryRun: values['dry-run'] ?? false,
      keepLast: values['keep-last'],
      targets: values.targets,
      check: values.check ?? false,
      to: values.to,
      reason: values.reason,
      port: values.port,
      host: values.host,
      override: values.override ?? false,
      rationale: values.rationale,
      watch: values.watch === true || name === 'watch',
      ...(verifying ? { verifyDeterminism: { sample } } : {}),
      ...(values.force ? { force: true } : {}),
      ...(values.executor === 'queue' ? { executor: 'queue' as const } : {}),
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
          ? parseArgsError(e as Error & { code: string }, argv)
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
 * parseArgs' errors in kfm's words: `unknown option '--frob' (see kfm build --help)`, and
 * `--jobs needs a value`, pointing at the help of the command being run.
 */
function parseArgsError(e: Error & { code: string }, argv: string[]): KfmError {
  const at = commandIndex(argv);
  const command = at < 0 ? undefined : argv[at];
  const see = command !== undefined && COMMAND_HELP[command] ? `kfm ${command} --help` : 'kfm --help';
  const unknownOption = /^Unknown option '([^']+)'/.exec(e.message);
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknownOption) return new KfmError('usage', `unknown option '${unknownOption[1]}' (see ${see})`);
  const missing = /^Option '(-\S+?)(?:, (--\S+))? <value>' argument missing/.exec(e.message);
  if (missing) return new KfmError('usage', `${missing[2] ?? missing[1]} needs a value (see ${see})`);
  const noValue = /^Option '(-\S+?)(?:, (--\S+))?' does not take an argument/.exec(e.message);
  if (noValue) return new KfmError('usage', `${noValue[2] ?? noValue[1]} does not take a value (see ${see})`);
  return new KfmError('usage', `${e.message} (see ${see})`);
}

/**
 * `-n`: `kfm log -n 5` is `--limit 5`; `kfm build -n …` is `kfm plan …` (make's dry run).
 * Elsewhere it stays an unknown option.
 */
function shortAliases(argv: string[]): string[] {
  const at = commandIndex(argv);
  const command = at < 0 ? undefined : argv[at];
  if (command === 'log') return argv.map((a) => (a === '-n' ? '--limit' : a));
  if (command === 'build' && argv.includes('-n')) return argv.map((a, i) => (i === at ? 'plan' : a)).filter((a) => a !== '-n');
  return argv;
}

/** Options followed by their value as the next argument (`-C dir`). */
const TAKES_VALUE = /^(-[Cfj]|--(directory|file|jobs|reporter|expect|actor|role|head|sample|format|limit|since|dataset|rationale|keep-last|targets|to|reason|port|host|executor))$/;

/** Where the command name is in argv: the first argument that is neither an option nor an option's value; -1 if none. */
function commandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (TAKES_VALUE.test(a)) i++;
    else if (!a.startsWith('-')) return i;
  }
  return -1;
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
