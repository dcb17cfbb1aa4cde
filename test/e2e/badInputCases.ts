/**
 * The bad-input corpus (test/e2e/badInput.test.ts): each case damages a copy of a prepared
 * project (its kfmfile, a task, its `.kfm/`, its registry or data files) or passes bad
 * arguments, and says what kfm must answer: the exit code and the first line of stderr,
 * verbatim (`<dir>` stands for the project directory), then what `kfm receipts verify` exits
 * with, and that a good build after the documented fix succeeds.
 */
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `fresh`: sources only, never built. `built`: one good build done (state, ledger, registry, data/). */
export type Template = 'fresh' | 'built';

export interface BadInputCase {
  name: string;
  template: Template;
  /** Damages the copy (paths relative to it). */
  setup?: (dir: string) => void;
  args: string[];
  code: number;
  /** The first line of stderr, `<dir>` for the project directory; '' for none. */
  stderr: string;
  /** A line stdout must hold (a failed task is reported there, on its FAILED line). */
  stdout?: string;
  /** What `kfm receipts verify` exits with afterwards (default 0). */
  verify?: number;
  /**
   * What makes the project good again before the closing good build, besides the
   * template's sources and registry written back (always done). The closing build must exit 0.
   */
  fix?: (dir: string) => void;
}

const SPEC = `const spec = (slug: string) => ({ kfm_spec_version: 'v1', dataset_slug: slug, title: slug, upstream: { authority: 'test', access_method: 'file', endpoints: [], cadence: 'none', terms_snapshot: { license: 'CC0-1.0' } }, sensitivity: { policy_label_intent: 'public', pii_risk: 'none', sensitive_location_risk: 'none', obligations: [] }, normalization: { canonical_fields: [], crs: 'none' }, validation: { checks: [] }, outputs: [] });`;
const HEADER = `import { defineKfm, dataset, task } from 'kfm';\n${SPEC}\n`;

/** The good kfmfile: dataset `a` (default slice 2019) with task `b` reading src/rows.csv. */
export const GOOD_KFMFILE = kfmfileWith(`task('b', { run: './b.ts', inputs: ['src/rows.csv'], params: { suffix: '!' } })`);

export function kfmfileWith(tasks: string, options = `{ slice: '2019' }`, extra = ''): string {
  return `${HEADER}${extra}export default defineKfm({ datasets: [
  dataset(spec('a'), [
    ${tasks},
  ], ${options}),
] });
`;
}

export const GOOD_TASK = `import type { TaskContext } from 'kfm';
export default async function b(ctx: TaskContext): Promise<void> {
  const text = (await ctx.inputs[0]!.read()).toString('utf8');
  await ctx.output('rows.txt', text.toUpperCase() + String((ctx.params as { suffix?: string }).suffix ?? ''), 'text/plain');
}
`;

export const GOOD_FILES: Record<string, string> = { 'kfmfile.ts': GOOD_KFMFILE, 'b.ts': GOOD_TASK, 'src/rows.csv': 'id,name\n1,Allen\n' };

const write = (dir: string, rel: string, text: string) => {
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), text);
};
const kfm = (text: string) => (dir: string) => write(dir, 'kfmfile.ts', text);
const taskT = (body: string) => (dir: string) => write(dir, 'b.ts', `import type { TaskContext } from 'kfm';\nexport default async function b(ctx: TaskContext): Promise<void> {\n  ${body}\n}\n`);
/** A kfmfile whose task `b` has these params (source text). */
const params = (p: string, extra = '') => kfm(kfmfileWith(`task('b', { run: './b.ts', inputs: ['src/rows.csv'], params: ${p} })`, `{ slice: '2019' }`, extra));
const slices = (options: string) => kfm(kfmfileWith(`task('b', { run: './b.ts', inputs: ['src/rows.csv'] })`, options));
const NOT_JSON = (ptr: string, what: string) => `kfm: kfmfile.ts:6:5: params of task "a/b" are not JSON at ${ptr}: ${what}`;
const rm = (rel: string) => (dir: string) => rmSync(join(dir, rel), { recursive: true, force: true });
const garbage = (rel: string) => (dir: string) => {
  rmSync(join(dir, rel), { recursive: true, force: true });
  write(dir, rel, 'garbage\n');
};
/** Replaces `rel` with a symlink to `<dir>.outside` (a directory) or to a file in it, outside the project. */
const linkOut = (dir: string, rel: string, kind: 'file' | 'dir') => {
  const outside = `${dir}.outside`;
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'rows.csv'), 'id,name\n9,Outside\n');
  rmSync(join(dir, rel), { recursive: true, force: true });
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  symlinkSync(kind === 'file' ? join(outside, 'rows.csv') : outside, join(dir, rel));
};
const both = (...fs: ((dir: string) => void)[]) => (dir: string) => fs.forEach((f) => f(dir));

const REGISTRY_NOT_JSON = `kfm: registry/a.json: not JSON: Unexpected token 'g', "garbage " is not valid JSON (fix it, or restore it with git checkout -- registry/a.json)`;
const KFM_NOT_DIR = 'kfm: .kfm is not a directory: kfm keeps its store, state and ledger there; move the file away (mv .kfm .kfm.old) and run again';
const NOT_REGISTERED = (slug: string) => `kfm: dataset "${slug}" is not registered (no registry/${slug}.json): build a version of it, or run kfm check --update`;

export const CASES: BadInputCase[] = [
  // ---- malformed kfmfiles: exit 2, located, nothing run ----
  { name: 'kfmfile: syntax error', template: 'fresh', setup: kfm(`${HEADER}export default defineKfm({ datasets: [ }\n`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:3:40: syntax error: Expression expected" },
  { name: 'kfmfile: no default export', template: 'fresh', setup: kfm(`${HEADER}export const x = 1;\n`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts: the kfmfile must `export default defineKfm({ datasets: [...] })`" },
  { name: 'kfmfile: default export is not a config', template: 'fresh', setup: kfm(`${HEADER}export default 42;\n`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts: the kfmfile must `export default defineKfm({ datasets: [...] })`" },
  { name: 'kfmfile: datasets is not a list', template: 'fresh', setup: kfm(`${HEADER}export default defineKfm({ datasets: 'a' as never });\n`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts: the kfmfile must `export default defineKfm({ datasets: [...] })`" },
  { name: 'kfmfile: a dataset that is not dataset(...)', template: 'fresh', setup: kfm(`${HEADER}export default defineKfm({ datasets: [{} as never] });\n`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts: datasets[0] is not a dataset: use dataset(spec, [tasks])" },
  { name: 'kfmfile: throws while loading', template: 'fresh', setup: kfm(`${HEADER}throw new Error('no config today');\n`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:3:7: error while loading the kfmfile: no config today" },
  { name: 'kfmfile: throws undefined while loading', template: 'fresh', setup: kfm(`${HEADER}throw undefined;\n`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts: error while loading the kfmfile: undefined" },
  { name: 'kfmfile: imports a missing module', template: 'fresh', setup: kfm(`import './nope.js';\n${GOOD_KFMFILE}`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts: error while loading the kfmfile: Cannot find module '<dir>/nope.js' imported from <dir>/kfmfile.ts" },
  { name: 'kfmfile: bad slug', template: 'fresh', setup: kfm(GOOD_KFMFILE.replace("spec('a')", "spec('Bad-Slug')")), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:4:3: dataset slug \"Bad-Slug\" is invalid: it must match ^[a-z0-9_]+$" },
  { name: 'kfmfile: duplicate dataset', template: 'fresh', setup: kfm(GOOD_KFMFILE.replace(/\] \}\);\n$/, "  dataset(spec('a'), []),\n] });\n")), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:7:3: duplicate dataset \"a\" (first declared at kfmfile.ts:4:3)" },
  { name: 'kfmfile: spec holds NaN', template: 'fresh', setup: kfm(GOOD_KFMFILE.replace("spec('a')", "{ ...spec('a'), extra: NaN }")), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:4:3: the spec of dataset \"a\" is not valid JSON: NaN is not allowed" },
  { name: 'kfmfile: bad task name', template: 'fresh', setup: kfm(kfmfileWith(`task('Bad Name', { run: './b.ts' })`)), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: task name \"Bad Name\" in dataset \"a\" is invalid: it must match ^[a-z0-9_][a-z0-9_-]*$" },
  { name: 'kfmfile: duplicate task', template: 'fresh', setup: kfm(kfmfileWith(`task('b', { run: './b.ts' }), task('b', { run: './b.ts' })`)), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:35: duplicate task \"b\" in dataset \"a\" (first declared at kfmfile.ts:5:5)" },
  { name: 'kfmfile: a task that is not task(...)', template: 'fresh', setup: kfm(kfmfileWith(`{} as never`)), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:4:3: dataset \"a\" has a task that is not a task(...) declaration" },
  { name: 'kfmfile: task without run', template: 'fresh', setup: kfm(kfmfileWith(`task('b', {} as never)`)), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: task \"a/b\" has no `run` module" },
  { name: 'kfmfile: task module missing', template: 'fresh', setup: kfm(kfmfileWith(`task('b', { run: './missing.ts' })`)), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: task module \"./missing.ts\" of task \"a/b\" does not exist" },
  { name: 'kfmfile: unknown built-in', template: 'fresh', setup: kfm(kfmfileWith(`task('b', { run: 'kfm:nope' })`)), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: task \"a/b\" uses unknown built-in task \"kfm:nope\" (built-ins: kfm:generalize, kfm:ingest)" },
  { name: 'kfmfile: unknown dependency', template: 'fresh', setup: kfm(kfmfileWith(`task('b', { run: './b.ts', deps: ['zz'] })`)), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: task \"a/b\" depends on unknown task \"zz\"" },
  { name: 'kfmfile: depends on itself', template: 'fresh', setup: kfm(kfmfileWith(`task('b', { run: './b.ts', deps: ['b'] })`)), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: task \"a/b\" depends on itself" },
  { name: 'kfmfile: dependency cycle', template: 'fresh', setup: kfm(kfmfileWith(`task('b', { run: './b.ts', deps: ['c'] }), task('c', { run: './b.ts', deps: ['b'] })`)), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: dependency cycle: a/b -> a/c -> a/b" },
  { name: 'kfmfile: deps not a list', template: 'fresh', setup: kfm(kfmfileWith(`task('b', { run: './b.ts', deps: 'c' as never })`)), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: the deps of task \"a/b\" must be a list of task names" },
  { name: 'kfmfile: unknown zone', template: 'fresh', setup: kfm(kfmfileWith(`task('b', { run: './b.ts', zone: 'attic' as never })`)), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: task \"a/b\" has unknown zone \"attic\"" },
  { name: 'kfmfile: unknown operation', template: 'fresh', setup: kfm(kfmfileWith(`task('b', { run: './b.ts', operation: 'dance' as never })`)), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: task \"a/b\" has unknown operation \"dance\" (ingest, transform, qa)" },
  { name: 'kfmfile: inputs not a list', template: 'fresh', setup: kfm(kfmfileWith(`task('b', { run: './b.ts', inputs: 'src' as never })`)), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: the inputs of task \"a/b\" must be a list of glob strings" },
  { name: 'kfmfile: absolute input', template: 'fresh', setup: kfm(kfmfileWith(`task('b', { run: './b.ts', inputs: ['/etc/passwd'] })`)), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: input pattern \"/etc/passwd\" of task \"a/b\" must be relative to the project root and stay inside it" },
  { name: 'kfmfile: input outside the project', template: 'fresh', setup: kfm(kfmfileWith(`task('b', { run: './b.ts', inputs: ['../x.csv'] })`)), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: input pattern \"../x.csv\" of task \"a/b\" must be relative to the project root and stay inside it" },
  { name: 'kfmfile: input matches nothing', template: 'fresh', setup: kfm(kfmfileWith(`task('b', { run: './b.ts', inputs: ['src/*.nope'] })`)), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: input pattern \"src/*.nope\" of task \"a/b\" matches no files" },
  { name: 'kfmfile: params an array', template: 'fresh', setup: params(`[1] as never`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: the params of task \"a/b\" must be an object" },
  { name: 'kfmfile: params undefined value', template: 'fresh', setup: params(`{ u: undefined }`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: params of task \"a/b\" are not JSON at /u: undefined" },
  { name: 'kfmfile: params function', template: 'fresh', setup: params(`{ f: (() => 1) as never }`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: params of task \"a/b\" are not JSON at /f: a function" },
  { name: 'kfmfile: params Date', template: 'fresh', setup: params(`{ d: new Date(0) as never }`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: params of task \"a/b\" are not JSON at /d: a Date" },
  { name: 'kfmfile: params Map', template: 'fresh', setup: params(`{ m: new Map() as never }`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: params of task \"a/b\" are not JSON at /m: a Map" },
  { name: 'kfmfile: params Set', template: 'fresh', setup: params(`{ s: new Set([1]) as never }`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: params of task \"a/b\" are not JSON at /s: a Set" },
  { name: 'kfmfile: params BigInt', template: 'fresh', setup: params(`{ n: 10n as never }`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: params of task \"a/b\" are not JSON at /n: a BigInt (10n)" },
  { name: 'kfmfile: params NaN', template: 'fresh', setup: params(`{ n: NaN }`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: params of task \"a/b\" are not JSON at /n: NaN" },
  { name: 'kfmfile: params Infinity', template: 'fresh', setup: params(`{ deep: [{ n: Infinity }] }`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: params of task \"a/b\" are not JSON at /deep/0/n: Infinity" },
  { name: 'kfmfile: params class instance', template: 'fresh', setup: params(`{ p: new P() as never }`, 'class P { x = 1; }\n'), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:6:5: params of task \"a/b\" are not JSON at /p: an instance of P" },
  { name: 'kfmfile: params circular', template: 'fresh', setup: params(`loop as never`, 'const loop: Record<string, unknown> = { a: 1 }; loop.self = loop;\n'), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:6:5: params of task \"a/b\" are not JSON at /self: a circular reference" },
  { name: 'kfmfile: params symbol', template: 'fresh', setup: params(`{ s: Symbol('x') as never }`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: params of task \"a/b\" are not JSON at /s: a symbol" },
  { name: 'kfmfile: params key with slash', template: 'fresh', setup: params(`{ 'a/b': { '~': undefined } }`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: params of task \"a/b\" are not JSON at /a~1b/~0: undefined" },
  { name: 'kfmfile: params fail the schema', template: 'fresh', setup: both(params(`{ suffix: 3 as never }`), (d) => write(d, 'b.ts', `export const paramsSchema = { type: 'object', properties: { suffix: { type: 'string' } } };\n${GOOD_TASK}`)), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: params of task \"a/b\" do not match the schema of ./b.ts: /suffix must be string" },
  { name: 'kfmfile: default slice malformed', template: 'fresh', setup: slices(`{ slice: '19' }`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:4:3: the default slice \"19\" of dataset \"a\" must be YYYY, YYYY-MM or YYYY-MM-DD" },
  { name: 'kfmfile: default slice month 13', template: 'fresh', setup: slices(`{ slice: '2017-13' }`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:4:3: the default slice \"2017-13\" of dataset \"a\" is not a real date: month 13 does not exist" },
  { name: 'kfmfile: default slice 30 February', template: 'fresh', setup: slices(`{ slice: '2017-02-30' }`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:4:3: the default slice \"2017-02-30\" of dataset \"a\" is not a real date: day 30 does not exist in 2017-02 (it has 28 days)" },
  { name: 'kfmfile: slices empty', template: 'fresh', setup: slices(`{ slices: [] }`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:4:3: the slices of dataset \"a\" must be a non-empty list of slices (YYYY, YYYY-MM or YYYY-MM-DD)" },
  { name: 'kfmfile: slices duplicate', template: 'fresh', setup: slices(`{ slices: ['2017', '2017'] }`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:4:3: slice \"2017\" is listed twice in the slices of dataset \"a\"" },
  { name: 'kfmfile: slices impossible', template: 'fresh', setup: slices(`{ slices: ['2017-06-31'] }`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:4:3: slice \"2017-06-31\" in the slices of dataset \"a\" is invalid: day 31 does not exist in 2017-06 (it has 30 days)" },
  { name: 'kfmfile: default slice not among slices', template: 'fresh', setup: slices(`{ slice: '2019', slices: ['2017', '2018'] }`), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:4:3: the default slice \"2019\" of dataset \"a\" is not one of its slices (2017, 2018)" },
  { name: 'kfmfile: paramsSchema not a schema', template: 'fresh', setup: (d) => write(d, 'b.ts', `export const paramsSchema = { type: 'banana' };\n${GOOD_TASK}`), args: ['build'], code: 2, stderr: "kfm: the paramsSchema of b.ts is not a valid JSON Schema: schema is invalid: data/type must be equal to one of the allowed values, data/type must be array, data/type must match a schema in anyOf" },

  // ---- task behaviours: the build fails (exit 1), nothing recorded for the dataset ----
  { name: 'task: throws an Error', stdout: "FAILED   a/b: bad row", template: 'fresh', setup: taskT(`throw new Error('bad row');`), args: ['build', '--reporter', 'plain'], code: 1, stderr: "" },
  { name: 'task: throws undefined', stdout: "FAILED   a/b: task threw undefined", template: 'fresh', setup: taskT(`throw undefined;`), args: ['build', '--reporter', 'plain'], code: 1, stderr: "" },
  { name: 'task: throws null', stdout: "FAILED   a/b: task threw null", template: 'fresh', setup: taskT(`throw null;`), args: ['build', '--reporter', 'plain'], code: 1, stderr: "" },
  { name: 'task: throws a number', stdout: "FAILED   a/b: task threw 42", template: 'fresh', setup: taskT(`throw 42;`), args: ['build', '--reporter', 'plain'], code: 1, stderr: "" },
  { name: 'task: throws a plain object', stdout: "FAILED   a/b: task threw an object: {\"code\":\"E1\"}", template: 'fresh', setup: taskT(`throw { code: 'E1' };`), args: ['build', '--reporter', 'plain'], code: 1, stderr: "" },
  { name: 'task: throws a string', stdout: "FAILED   a/b: nope", template: 'fresh', setup: taskT(`throw 'nope';`), args: ['build', '--reporter', 'plain'], code: 1, stderr: "" },
  { name: 'task: rejects with undefined', stdout: "FAILED   a/b: task threw undefined", template: 'fresh', setup: taskT(`await Promise.reject(undefined);`), args: ['build', '--reporter', 'plain'], code: 1, stderr: "" },
  { name: 'task: bad output name', stdout: "FAILED   a/b: invalid output name \"../escape.txt\": use a relative path of letters, digits, . _ - /", template: 'fresh', setup: taskT(`await ctx.output('../escape.txt', 'x', 'text/plain');`), args: ['build', '--reporter', 'plain'], code: 1, stderr: "" },
  { name: 'task: unknown dependency at run time', stdout: "FAILED   a/b: \"nope\" is not a dependency of a/b (dependencies: none)", template: 'fresh', setup: taskT(`ctx.dep('nope');`), args: ['build', '--reporter', 'plain'], code: 1, stderr: "" },
  { name: 'task: process.exit in a task', stdout: "FAILED   a/b: worker failed: worker exited with code: 3", template: 'fresh', setup: taskT(`process.exit(3);`), args: ['build', '--reporter', 'plain'], code: 1, stderr: "" },
  { name: 'task: module has a syntax error', template: 'fresh', setup: (d) => write(d, 'b.ts', 'export default async function b( {\n'), args: ['build', '--reporter', 'plain'], code: 2, stderr: "kfm: b.ts: cannot parse b.ts: Unexpected token `<eof>`. Expected identifier, string literal, numeric literal or [ for the computed key" },
  { name: 'task: module has no default export', stdout: "FAILED   a/b: task module <dir>/b.ts must default-export an async function (ctx) => {...}", template: 'fresh', setup: (d) => write(d, 'b.ts', 'export const x = 1;\n'), args: ['build', '--reporter', 'plain'], code: 1, stderr: "" },
  { name: 'task: default export not a function', stdout: "FAILED   a/b: task module <dir>/b.ts must default-export an async function (ctx) => {...}", template: 'fresh', setup: (d) => write(d, 'b.ts', 'export default 42;\n'), args: ['build', '--reporter', 'plain'], code: 1, stderr: "" },
  { name: 'task: module throws on import', template: 'fresh', setup: (d) => write(d, 'b.ts', "throw new Error('import-time');\nexport default async function b() {}\n"), args: ['build', '--reporter', 'plain'], code: 2, stderr: "kfm: cannot load task module b.ts: import-time" },
  { name: 'task: json reporter, throws undefined', template: 'fresh', setup: taskT(`throw undefined;`), args: ['build', '--json'], code: 1, stderr: "" },

  // ---- CLI arguments: exit 2, nothing written ----
  { name: 'cli: unknown command', template: 'built', args: ['bogus'], code: 2, stderr: "kfm: unknown command \"bogus\" (commands: build, plan, explain, check, promote, approve, validate, catalog, receipts, status, log, watch, fsck, graph, init, gc, clean, rebuild, rollback, serve, worker; see kfm --help)" },
  { name: 'cli: unknown option', template: 'built', args: ['build', '--bogus'], code: 2, stderr: "kfm: unknown option '--bogus' (see kfm build --help)" },
  { name: 'cli: --jobs 0', template: 'built', args: ['build', '--jobs', '0'], code: 2, stderr: "kfm: --jobs needs a positive integer (got \"0\")" },
  { name: 'cli: --jobs -1', template: 'built', args: ['build', '--jobs', '-1'], code: 2, stderr: "kfm: --jobs needs a positive integer (got \"-1\")" },
  { name: 'cli: -j -1', template: 'built', args: ['build', '-j', '-1'], code: 2, stderr: "kfm: --jobs needs a positive integer (got \"-1\")" },
  { name: 'cli: --jobs=-1', template: 'built', args: ['build', '--jobs=-1'], code: 2, stderr: "kfm: --jobs needs a positive integer (got \"-1\")" },
  { name: 'cli: --jobs abc', template: 'built', args: ['build', '--jobs', 'abc'], code: 2, stderr: "kfm: --jobs needs a positive integer (got \"abc\")" },
  { name: 'cli: --jobs 1.5', template: 'built', args: ['build', '--jobs', '1.5'], code: 2, stderr: "kfm: --jobs needs a positive integer (got \"1.5\")" },
  { name: 'cli: --jobs with no value', template: 'built', args: ['build', '--jobs'], code: 2, stderr: "kfm: --jobs needs a value (see kfm build --help)" },
  { name: 'cli: --jobs 1000000000 is clamped', template: 'fresh', args: ['build', '--jobs', '1000000000', '--reporter', 'plain'], code: 0, stderr: "kfm: warning: --jobs 1000000000 is more than the build can use: running 1 job (the build has 1 node)" },
  { name: 'cli: --jobs 5000 is clamped', template: 'fresh', args: ['build', '--jobs', '5000', '--json'], code: 0, stderr: "kfm: warning: --jobs 5000 is more than the build can use: running 1 job (the build has 1 node)" },
  { name: 'cli: unknown reporter', template: 'built', args: ['build', '--reporter', 'fancy'], code: 2, stderr: "kfm: unknown reporter \"fancy\" (ink, plain or json)" },
  { name: 'cli: unknown rerun mode', template: 'built', args: ['build', '--expect', 'sideways'], code: 2, stderr: "kfm: --expect needs a rerun mode: new, retry, reprocess, backfill (got \"sideways\")" },
  { name: 'cli: --expect on status', template: 'built', args: ['status', '--expect', 'new'], code: 2, stderr: "kfm: --expect applies to kfm build (not status)" },
  { name: 'cli: --watch on status', template: 'built', args: ['status', '--watch'], code: 2, stderr: "kfm: --watch applies to kfm build (not status)" },
  { name: 'cli: --update on build', template: 'built', args: ['build', '--update'], code: 2, stderr: "kfm: --update applies to kfm check (not build)" },
  { name: 'cli: --actor on log', template: 'built', args: ['log', '--actor', 'me'], code: 2, stderr: "kfm: --actor and --role apply to kfm build, promote, approve, catalog, rebuild and rollback (not log)" },
  { name: 'cli: --check on build', template: 'built', args: ['build', '--check'], code: 2, stderr: "kfm: --check applies to kfm rebuild (not build)" },
  { name: 'cli: rebuild unknown target', template: 'built', args: ['rebuild', 'a', '--targets', 'sqlite,maps'], code: 2, stderr: "kfm: --targets: unknown target \"maps\" (targets: sqlite, search, postgis, tiles)" },
  { name: 'cli: rebuild nothing published', template: 'built', args: ['rebuild', 'a'], code: 2, stderr: "kfm: a has no published version (latest_version_id is null): promote one first (kfm promote a@<dvid>)" },
  { name: 'cli: rollback without --to', template: 'built', args: ['rollback', 'a', '--reason', 'x'], code: 2, stderr: "kfm: usage: kfm rollback <dataset> --to <dataset_version_id> --reason \"<why>\" [--actor <principal>] [--role <role>] [--json]" },
  { name: 'cli: -C missing directory', template: 'built', args: ['-C', 'nowhere', 'build'], code: 2, stderr: "kfm: -C nowhere: no such directory" },
  { name: 'cli: -C a file', template: 'built', args: ['-C', 'b.ts', 'build'], code: 2, stderr: "kfm: -C b.ts: not a directory" },
  { name: 'cli: -f missing kfmfile', template: 'built', args: ['-f', 'nope.ts', 'build'], code: 2, stderr: "kfm: kfmfile <dir>/nope.ts does not exist" },
  { name: 'cli: no command', template: 'built', args: [], code: 2, stderr: "" },
  { name: 'cli: build unknown dataset', template: 'built', args: ['build', 'nope'], code: 2, stderr: "kfm: unknown dataset \"nope\" (datasets: a)" },
  { name: 'cli: build bad target slug', template: 'built', args: ['build', 'Bad!'], code: 2, stderr: "kfm: invalid target \"Bad!\": the dataset slug must match ^[a-z0-9_]+$" },
  { name: 'cli: build slice month 13', template: 'built', args: ['build', 'a@2017-13'], code: 2, stderr: "kfm: invalid target \"a@2017-13\": month 13 does not exist" },
  { name: 'cli: build slice 30 February', template: 'built', args: ['build', 'a@2017-02-30'], code: 2, stderr: "kfm: invalid target \"a@2017-02-30\": day 30 does not exist in 2017-02 (it has 28 days)" },
  { name: 'cli: build slice malformed', template: 'built', args: ['build', 'a@17'], code: 2, stderr: "kfm: invalid target \"a@17\": the slice must be YYYY, YYYY-MM or YYYY-MM-DD" },
  { name: 'cli: build undeclared slice', template: 'fresh', setup: slices(`{ slice: '2019', slices: ['2018', '2019'] }`), args: ['build', 'a@2017'], code: 2, stderr: "kfm: dataset \"a\" has no slice 2017 (its slices: 2018, 2019)" },
  { name: 'cli: status unknown dataset', template: 'built', args: ['status', 'nope'], code: 2, stderr: "kfm: dataset \"nope\" is not registered (no registry/nope.json): build a version of it, or run kfm check --update" },
  { name: 'cli: log unknown dataset', template: 'built', args: ['log', 'nope'], code: 2, stderr: "kfm: dataset \"nope\" is not registered (no registry/nope.json): build a version of it, or run kfm check --update" },
  { name: 'cli: receipts verify unknown dataset', template: 'built', args: ['receipts', 'verify', 'nope'], code: 2, stderr: "kfm: dataset \"nope\" is not registered (no registry/nope.json): build a version of it, or run kfm check --update" },
  { name: 'cli: receipts verify unknown version', template: 'built', args: ['receipts', 'verify', 'a@2019.00000000'], code: 2, stderr: "kfm: registry/a.json has no version 2019.00000000 (versions: 2019.7ed64cd8)" },
  { name: 'cli: receipts verify unknown slice', template: 'built', args: ['receipts', 'verify', 'a@2018'], code: 2, stderr: "kfm: registry/a.json has no version of slice 2018 (versions: 2019.7ed64cd8)" },
  { name: 'cli: log unknown version', template: 'built', args: ['log', 'a@2019.00000000'], code: 2, stderr: "kfm: registry/a.json has no version 2019.00000000 (versions: 2019.7ed64cd8)" },
  { name: 'cli: status impossible slice', template: 'built', args: ['status', 'a@2019-13'], code: 2, stderr: "kfm: invalid target \"a@2019-13\": month 13 does not exist" },
  { name: 'cli: log malformed target', template: 'built', args: ['log', 'a@bad'], code: 2, stderr: "kfm: invalid target \"a@bad\": after @ comes a slice (2017, 2017-06, 2017-06-30) or a dataset version id (2017.ab12cd34)" },
  { name: 'cli: receipts without verify', template: 'built', args: ['receipts', 'check'], code: 2, stderr: "kfm: usage: kfm receipts verify [<dataset>[@<slice>|@<dataset_version_id>]] [--repair] [--head <entry hash>] [--json] | kfm receipts head [--json] | kfm receipts show <seq|run_id> [--json] | kfm receipts trust list|add <pem file> [<owner>]" },
  { name: 'cli: status two targets', template: 'built', args: ['status', 'a', 'b'], code: 2, stderr: "kfm: usage: kfm status [<dataset>[@<slice>|@<dataset_version_id>]] [--json]" },
  { name: 'cli: promote without target', template: 'built', args: ['promote'], code: 2, stderr: "kfm: usage: kfm promote <dataset>@<dataset_version_id> [--dry-run] [--override --rationale \"<why>\" --role <role>] [--actor <principal>] [--role <role>] [--json]" },
  { name: 'cli: promote a slice', template: 'built', args: ['promote', 'a@2019'], code: 2, stderr: "kfm: kfm promote needs <dataset>@<dataset_version_id> (e.g. ks_counties@2017.a50d8993), not \"a@2019\"" },
  { name: 'cli: promote unknown dataset', template: 'built', args: ['promote', 'nope@2019.00000000'], code: 2, stderr: "kfm: dataset \"nope\" is not registered (no registry/nope.json): build a version of it first" },
  { name: 'cli: promote unknown version', template: 'built', args: ['promote', 'a@2019.00000000'], code: 2, stderr: "kfm: registry/a.json lists no version 2019.00000000 of a (its versions: 2019.7ed64cd8)" },
  { name: 'cli: --expect on an unversioned target', template: 'fresh', setup: slices(`{}`), args: ['build', '--expect', 'new'], code: 2, stderr: "kfm: --expect needs a versioned target: name a slice (e.g. ks_counties@2017) or give the dataset a default slice" },

  // ---- damaged .kfm/ ----
  { name: 'kfm dir: lock.db is garbage', template: 'built', setup: garbage('.kfm/lock.db'), args: ['build'], code: 2, stderr: "kfm: .kfm/lock.db is not a lock file kfm can use (SQLITE_NOTADB): it holds no data; delete it (rm .kfm/lock.db) and run again", fix: rm('.kfm/lock.db') },
  { name: 'kfm dir: .kfm is a file', template: 'built', setup: garbage('.kfm'), args: ['build'], code: 2, stderr: "kfm: .kfm is not a directory: kfm keeps its store, state and ledger there; move the file away (mv .kfm .kfm.old) and run again", verify: 2, fix: rm('.kfm') },
  { name: 'kfm dir: .kfm is a file (status)', template: 'built', setup: garbage('.kfm'), args: ['status'], code: 2, stderr: "kfm: .kfm is not a directory: kfm keeps its store, state and ledger there; move the file away (mv .kfm .kfm.old) and run again", verify: 2, fix: rm('.kfm') },
  { name: 'kfm dir: .kfm is a file (log)', template: 'built', setup: garbage('.kfm'), args: ['log'], code: 2, stderr: "kfm: .kfm is not a directory: kfm keeps its store, state and ledger there; move the file away (mv .kfm .kfm.old) and run again", verify: 2, fix: rm('.kfm') },
  { name: 'kfm dir: .kfm is a file (fresh project)', template: 'fresh', setup: garbage('.kfm'), args: ['build'], code: 2, stderr: "kfm: .kfm is not a directory: kfm keeps its store, state and ledger there; move the file away (mv .kfm .kfm.old) and run again", fix: rm('.kfm') },
  { name: 'kfm dir: state.db is garbage', verify: 2, template: 'built', setup: garbage('.kfm/state.db'), args: ['build'], code: 2, stderr: "kfm: cannot open state database <dir>/.kfm/state.db: file is not a database", fix: rm('.kfm/state.db') },
  { name: 'kfm dir: ledger.db is garbage (build)', template: 'built', setup: garbage('.kfm/ledger.db'), args: ['build', '--reporter', 'plain'], code: 1, stderr: "kfm: cannot open the audit ledger <dir>/.kfm/ledger.db: file is not a database", verify: 2, fix: rm('.kfm') },
  { name: 'kfm dir: ledger.db is garbage (log)', template: 'built', setup: garbage('.kfm/ledger.db'), args: ['log'], code: 2, stderr: "kfm: the audit ledger <dir>/.kfm/ledger.db is unreadable: file is not a database", verify: 2, fix: rm('.kfm') },
  { name: 'kfm dir: lock.holder is garbage', template: 'built', setup: garbage('.kfm/lock.holder'), args: ['build'], code: 0, stderr: "" },
  { name: 'kfm dir: lock.db deleted', template: 'built', setup: rm('.kfm/lock.db'), args: ['build'], code: 0, stderr: "" },
  { name: 'kfm dir: store is a file', template: 'built', setup: garbage('.kfm/store'), args: ['build'], code: 2, stderr: "kfm: not a directory at .kfm/store/objects: a file stands where kfm keeps a directory (e.g. .kfm, data/ or registry/); move it away and run again", verify: 2, fix: rm('.kfm') },
  { name: 'kfm dir: snapshots are garbage', template: 'built', setup: garbage('.kfm/snapshots'), args: ['build'], code: 2, stderr: "kfm: not a directory at .kfm/snapshots/4f53cda18c2baa0c.json: a file stands where kfm keeps a directory (e.g. .kfm, data/ or registry/); move it away and run again", fix: rm('.kfm/snapshots') },
  { name: 'kfm dir: scratch is a file', template: 'built', setup: garbage('.kfm/scratch'), args: ['build'], code: 0, stderr: "" },

  // ---- registry and data files ----
  { name: 'registry: not JSON (build)', verify: 1, template: 'built', setup: garbage('registry/a.json'), args: ['build'], code: 2, stderr: "kfm: registry/a.json: not JSON: Unexpected token 'g', \"garbage \" is not valid JSON (fix it, or restore it with git checkout -- registry/a.json)" },
  { name: 'registry: not JSON (status)', verify: 1, template: 'built', setup: garbage('registry/a.json'), args: ['status'], code: 2, stderr: "kfm: registry/a.json: not JSON: Unexpected token 'g', \"garbage \" is not valid JSON (fix it, or restore it with git checkout -- registry/a.json)" },
  { name: 'registry: not JSON (promote)', verify: 1, template: 'built', setup: garbage('registry/a.json'), args: ['promote', 'a@2019.00000000'], code: 2, stderr: "kfm: registry/a.json: not JSON: Unexpected token 'g', \"garbage \" is not valid JSON (fix it, or restore it with git checkout -- registry/a.json)" },
  { name: 'registry: not JSON (log)', verify: 1, template: 'built', setup: garbage('registry/a.json'), args: ['log', 'a'], code: 2, stderr: "kfm: registry/a.json: not JSON: Unexpected token 'g', \"garbage \" is not valid JSON (fix it, or restore it with git checkout -- registry/a.json)" },
  { name: 'registry: not JSON (receipts verify)', verify: 1, template: 'built', setup: garbage('registry/a.json'), args: ['receipts', 'verify', 'a'], code: 2, stderr: "kfm: registry/a.json: not JSON: Unexpected token 'g', \"garbage \" is not valid JSON (fix it, or restore it with git checkout -- registry/a.json)" },
  { name: 'registry: not JSON (check)', verify: 1, template: 'built', setup: garbage('registry/a.json'), args: ['check'], code: 2, stderr: "kfm: registry/a.json: not JSON: Unexpected token 'g', \"garbage \" is not valid JSON (fix it, or restore it with git checkout -- registry/a.json)" },
  { name: 'registry: empty file', verify: 1, template: 'built', setup: (d) => write(d, 'registry/a.json', ''), args: ['build'], code: 2, stderr: "kfm: registry/a.json: not JSON: Unexpected end of JSON input (fix it, or restore it with git checkout -- registry/a.json)" },
  { name: 'registry: fails the schema', verify: 1, template: 'built', setup: (d) => write(d, 'registry/a.json', '{"kfm_registry_version":"v2"}'), args: ['build'], code: 2, stderr: "kfm: registry/a.json: does not match schemas/registry.schema.json: / must have required property 'dataset_slug'; / must have required property 'title'; / must have required property 'policy_label'; / must have required property 'spec_hash'; / must have required property 'spec_document'; / must have required property 'task_code'; / must have required property 'versions'; / must have required property 'latest_version_id'" },
  { name: 'registry: an empty object', verify: 1, template: 'built', setup: (d) => write(d, 'registry/a.json', '{}'), args: ['status', 'a'], code: 2, stderr: "kfm: registry/a.json: does not match schemas/registry.schema.json: / must have required property 'kfm_registry_version'; / must have required property 'dataset_slug'; / must have required property 'title'; / must have required property 'policy_label'; / must have required property 'spec_hash'; / must have required property 'spec_document'; / must have required property 'task_code'; / must have required property 'versions'; / must have required property 'latest_version_id'" },
  { name: 'registry: a directory', verify: 1, template: 'built', setup: both(rm('registry/a.json'), (d) => mkdirSync(join(d, 'registry/a.json'))), args: ['build'], code: 2, stderr: "kfm: registry/a.json: cannot read it (EISDIR)", fix: rm('registry') },
  { name: 'registry: registry/ is a file', verify: 2, template: 'built', setup: garbage('registry'), args: ['build'], code: 2, stderr: "kfm: registry/a.json: cannot read it (ENOTDIR)", fix: rm('registry') },
  { name: 'data: input file deleted', template: 'built', setup: rm('src/rows.csv'), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: input pattern \"src/rows.csv\" of task \"a/b\" matches no files" },
  { name: 'data: input is a directory', template: 'built', setup: both(rm('src/rows.csv'), (d) => mkdirSync(join(d, 'src/rows.csv'))), args: ['build'], code: 2, stderr: "kfm: kfmfile.ts:5:5: input pattern \"src/rows.csv\" of task \"a/b\" matches no files", fix: both(rm('src/rows.csv'), (d) => write(d, 'src/rows.csv', GOOD_FILES['src/rows.csv']!)) },
  { name: 'data: data/ is a file', template: 'built', setup: garbage('data'), args: ['build'], code: 2, stderr: "kfm: not a directory at data/raw: a file stands where kfm keeps a directory (e.g. .kfm, data/ or registry/); move it away and run again", verify: 2, fix: rm('data') },
  { name: 'symlink: an input file links out of the project', template: 'fresh', setup: (d) => linkOut(d, 'src/rows.csv', 'file'), args: ['build'], code: 2, stderr: 'kfm: kfmfile.ts:5:5: input "src/rows.csv" of task "a/b" resolves to <dir>.outside/rows.csv, outside the project: kfm reads only files inside it (set inputsOutsideProject: true on the task to allow it)', fix: rm('src/rows.csv') },
  { name: 'symlink: an input allowed outside the project', template: 'fresh', setup: both((d) => linkOut(d, 'src/rows.csv', 'file'), kfm(kfmfileWith(`task('b', { run: './b.ts', inputs: ['src/rows.csv'], inputsOutsideProject: true })`))), args: ['build'], code: 0, stderr: '', fix: rm('src/rows.csv') },
  { name: 'symlink: data/processed links out of the project', template: 'fresh', setup: (d) => linkOut(d, 'data/processed', 'dir'), args: ['build'], code: 2, stderr: 'kfm: data/processed is a symlink to <dir>.outside, outside the project: kfm writes only inside the project; make data/processed a directory inside it', fix: rm('data/processed') },
  { name: 'symlink: registry/ links out of the project', verify: 1, template: 'built', setup: (d) => linkOut(d, 'registry', 'dir'), args: ['build'], code: 2, stderr: 'kfm: registry is a symlink to <dir>.outside, outside the project: kfm writes only inside the project; make registry a directory inside it', fix: rm('registry') },
  { name: 'symlink: registry/ links out (promote)', verify: 1, template: 'built', setup: (d) => linkOut(d, 'registry', 'dir'), args: ['promote', 'a@2019.00000000'], code: 2, stderr: 'kfm: registry is a symlink to <dir>.outside, outside the project: kfm writes only inside the project; make registry a directory inside it', fix: rm('registry') },
  { name: 'data: a data file replaced (restored from the store)', template: 'built', setup: (d) => {
    const version = readdirSync(join(d, 'data/processed/a'))[0]!;
    rmSync(join(d, 'data/processed/a', version, 'rows.txt'));
    write(d, `data/processed/a/${version}/rows.txt`, 'tampered');
  }, args: ['build', '--reporter', 'plain'], code: 0, stderr: "kfm: data/processed/a/2019.7ed64cd8/rows.txt was edited (its bytes hash to sha256:d121be3103007b41edf96f8262925f8c7d61894afe9a041843b631f69445bc57): restored from the store, the edited file kept at <dir>/.kfm/data-edits/processed/a/2019.7ed64cd8/rows.txt.d121be3103007b41", fix: rm('data') },
];
