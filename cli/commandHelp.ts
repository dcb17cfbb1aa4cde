/** `kfm <command> --help`: one command's usage, what it does, its options and examples. */
export interface CommandHelp {
  usage: string;
  summary: string;
  /** `[flag, meaning]`, the options that apply to this command (global ones are listed by `kfm --help`). */
  options: [string, string][];
  examples: string[];
}

const TARGET = '<dataset>[@<slice>]';
const VERSION = '<dataset>@<dataset_version_id>';
const JSON_OPTION: [string, string] = ['--json', 'print one JSON document (its schema is in schemas/)'];

export const COMMAND_HELP: Record<string, CommandHelp> = {
  build: {
    usage: `kfm build [${TARGET}[/<task>]...] [-B] [-j <n>] [-k] [--expect <mode>] [--verify-determinism [--sample <n>]] [-w] [--reporter ink|plain|json]`,
    summary:
      'Builds the targets (every dataset when none is named): runs what changed, skips the rest, records each versioned dataset as a candidate version with signed receipts. A task target (ks_counties/qa) builds that node and what it needs, nothing downstream, and records no version.',
    options: [
      ['-j, --jobs <n>', 'tasks at once (default: the number of cores)'],
      ['-k, --keep-going', 'after a failure, let independent branches finish'],
      ['-n', 'run nothing: the same as kfm plan'],
      ['-B, --force', "run the targets' nodes even when cached (reason forced, recorded in the run receipts); dependents rerun only if those outputs change"],
      ['--expect <mode>', 'fail unless each versioned target is a new, retry, reprocess or backfill'],
      ['--actor <principal>, --role <role>', 'who the receipts name (default: the OS user, operator)'],
      ['--verify-determinism', 'run every executed node twice and compare the outputs byte for byte'],
      ['--sample <n>', 'with --verify-determinism: check only n nodes'],
      ['-w, --watch', 'rebuild on every change until Ctrl-C'],
      ['--executor queue', 'run the tasks on kfm worker processes (needs KFM_STATE=postgres://… and KFM_STORE=s3://…)'],
      ['-v, --verbose', 'also list cached nodes'],
      JSON_OPTION,
    ],
    examples: ['kfm build', 'kfm build ks_counties@2017', 'kfm build ks_counties/qa', 'kfm build -B ks_counties/qa', 'kfm build --expect retry --json', 'KFM_CACHE=s3://ci-cache/kfm kfm build'],
  },
  watch: {
    usage: `kfm watch [${TARGET}...]`,
    summary: 'Builds, then watches the kfmfile, task code and inputs and rebuilds what each change affects, until Ctrl-C (the same as kfm build --watch).',
    options: [['-j, --jobs <n>', 'tasks at once'], ['--json', 'one JSON build report per line per cycle']],
    examples: ['kfm watch ks_places'],
  },
  plan: {
    usage: `kfm plan [${TARGET}[/<task>]...] [-B] [--json]`,
    summary: 'Shows what a build would run and why, in build order; runs and writes nothing.',
    options: [['-B, --force', 'as kfm build --force would: the named nodes run (reason forced)'], JSON_OPTION],
    examples: ['kfm plan', 'kfm build -n ks_counties', 'kfm build -n -B ks_counties/qa'],
  },
  explain: {
    usage: `kfm explain ${TARGET}[/<task>] [task] [-B] [--json]`,
    summary: 'Why each node is dirty: the input, parameter, code file or upstream that changed, with old and new digests.',
    options: [['-B, --force', 'as kfm build --force would: the named nodes run (reason forced)'], JSON_OPTION],
    examples: ['kfm explain ks_counties transform', 'kfm explain ks_counties/qa'],
  },
  check: {
    usage: 'kfm check [--update] [--json]',
    summary: "Compares every dataset's spec_hash with registry/<slug>.json and names the fields that drifted (exit 1). Reads the kfmfile and task code only.",
    options: [['--update', 'record the current specs in registry/'], JSON_OPTION],
    examples: ['kfm check', 'kfm check --update'],
  },
  promote: {
    usage: `kfm promote ${VERSION} [--dry-run] [--override --rationale "<why>"] [--actor <principal>] [--role <role>] [--json]`,
    summary:
      "Publishes a built version, fail closed: runs gates A-G (identity, licence, sensitivity, catalog, receipts, QA, spec-hash drift); only when every gate answers PASS it writes promotion_manifest.json, signs a promote receipt and moves the registry's latest_version_id. Any other answer exits 1 with a signed denied-promotion receipt, and nothing moves.",
    options: [
      ['--dry-run', 'run the gates and print their answers; write nothing'],
      ['--override --rationale "<why>"', "override a QA failure (gate F), as the policy's override role (steward); recorded in the ledger and the manifest"],
      ['--actor <principal>, --role <role>', 'who the receipt names'],
      JSON_OPTION,
    ],
    examples: ['kfm promote ks_counties@2017.1c76d94a --dry-run', 'kfm promote ks_counties@2017.1c76d94a', 'kfm promote x@2017.ab12cd34 --override --rationale "threshold tightened after review" --role steward'],
  },
  approve: {
    usage: `kfm approve ${VERSION} --role <role> [--actor <principal>] [--json]`,
    summary: 'Signs an approval of publishing the version into the audit ledger; gate C asks for the roles kfm.policy.json names (e.g. a steward for restricted data), and the promotion manifest lists them.',
    options: [['--role <role>', 'the role approving (e.g. steward)'], ['--actor <principal>', 'who approves (default: the OS user)'], JSON_OPTION],
    examples: ['kfm approve sensitive_sites@2024.ab12cd34 --role steward'],
  },
  validate: {
    usage: `kfm validate ${VERSION} [--json]`,
    summary: 'The post-run checklist for a version: schemas, cross-links, policy, spec-hash drift, receipts and digests, ledger entry present, lineage; each PASS or FAIL with its reason (exit 1 on any FAIL).',
    options: [JSON_OPTION],
    examples: ['kfm validate ks_places@2017.7dc02186'],
  },
  catalog: {
    usage: `kfm catalog ${VERSION} [--actor <principal>] [--role <role>] [--json]`,
    summary: "Generates the version's DCAT, STAC and PROV records again (from its spec, checksums.json and the receipts of the run that produced it), validates them offline (kfm's JSON Schemas, SHACL, links, digests) and signs a catalog receipt; exit 1 when validation fails. The same records give the same bytes.",
    options: [['--actor <principal>, --role <role>', 'who the receipt names'], JSON_OPTION],
    examples: ['kfm catalog ks_counties@2017.1c76d94a'],
  },
  receipts: {
    usage: `kfm receipts verify [${TARGET}|${VERSION}] [--repair] [--head <hash>] | head | show <seq|run_id> | trust list|add <pem> [<owner>]`,
    summary: 'The audit trail: verify the ledger, receipt files, data tree and registry; print the head; decode one entry; manage the pinned keys.',
    options: [
      ['--repair', 'verify: first write back receipt files the ledger holds'],
      ['--head <entry hash>', 'verify: fail unless the ledger holds this entry'],
      JSON_OPTION,
    ],
    examples: ['kfm receipts verify', 'kfm receipts show 12', 'kfm receipts head --json', 'kfm receipts trust add ci.pub.pem ci'],
  },
  status: {
    usage: `kfm status [${TARGET}|${VERSION}] [--json]`,
    summary: "A dataset's versions: mode, status, receipts; * marks the latest (the promoted one).",
    options: [JSON_OPTION],
    examples: ['kfm status', 'kfm status ks_places'],
  },
  log: {
    usage: `kfm log [${TARGET}|${VERSION} | --dataset <slug>] [-n|--limit <n>] [--since <when>] [--json]`,
    summary: "The audit ledger's entries, oldest first: operation, mode, version, node, run id.",
    options: [
      ['-n, --limit <n>', 'the most recent n entries'],
      ['--since <when>', 'entries at or after a date (2026-12-01), a date-time (2026-12-01T09:30:00Z) or a span back (30m, 12h, 7d, 2w)'],
      ['--dataset <slug>', "one dataset's entries"],
      JSON_OPTION,
    ],
    examples: ['kfm log -n 10', 'kfm log --dataset ks_places --since 7d'],
  },
  fsck: {
    usage: 'kfm fsck [--repair] [--json]',
    summary: "Checks stored bytes: every store object (re-hashed), every node's latest outputs, and data/ against the store (exit 1 on any problem).",
    options: [['--repair', 'quarantine corrupt objects, restore edited or missing data files, say what to rebuild'], JSON_OPTION],
    examples: ['kfm fsck', 'kfm fsck --repair'],
  },
  graph: {
    usage: `kfm graph [${TARGET}...] [--format dot|mermaid|json|svg]`,
    summary: 'The task graph of the targets and what they need (every dataset when none is named), in build order, from the kfmfile alone.',
    options: [['--format <f>', 'dot (default), mermaid, json (= --json) or svg (needs Graphviz)']],
    examples: ['kfm graph | dot -Tpng > graph.png', 'kfm graph ks_places_per_county --format mermaid'],
  },
  init: {
    usage: 'kfm init [--json]',
    summary: 'Writes a starter project into the current directory (-C <dir> for another): kfmfile.ts with one dataset, its task, a CSV to ingest, and .gitignore lines for .kfm/ and data/. Never overwrites a file.',
    options: [JSON_OPTION],
    examples: ['mkdir myproject && cd myproject && npm install kfm && npx kfm init && npx kfm build'],
  },
  gc: {
    usage: 'kfm gc [--dry-run] [--keep-last <n>] [--json]',
    summary:
      "Removes store objects nothing live names (live: every node's latest result, every ledger entry of a retained version, the registry, each retained version's checksums.json), and the store's orphaned temp files; says what it freed per reason. By default every registered version is retained.",
    options: [
      ['--dry-run', 'list what would go, remove nothing'],
      ['--keep-last <n>', 'per dataset, retain the n most recent versions; the latest and every candidate or published version are always retained'],
      JSON_OPTION,
    ],
    examples: ['kfm gc --dry-run', 'kfm gc', 'kfm gc --keep-last 3 --json'],
  },
  clean: {
    usage: 'kfm clean [--dry-run] [--json]',
    summary: "Empties .kfm/'s rebuildable caches (scratch, no-op snapshots, the store's temp files, the stat and module-import caches) and nothing else: the next build still runs nothing that is cached.",
    options: [['--dry-run', 'list what would go, remove nothing'], JSON_OPTION],
    examples: ['kfm clean', 'kfm clean --dry-run --json'],
  },
  rebuild: {
    usage: 'kfm rebuild <dataset>[@<dataset_version_id>] [--targets sqlite,search,postgis,tiles] [--check] [--actor <principal>] [--role <role>] [--json]',
    summary:
      "Runbook procedure D: reloads a published version's projections from its catalog (DCAT, PROV, the processed artifacts by digest from the store), checks each target's counts and extents against the catalog, and signs a rebuild receipt. Without a dvid, the dataset's latest version. A target whose key and files are as kfm left them is cached (nothing read); when every target is, nothing is signed. The latest version is made current in each target; an older published one is loaded beside it.",
    options: [
      ['--targets <list>', 'sqlite (features, R*Tree), search (its FTS5 index), postgis (KFM_POSTGRES_URL), tiles (MBTiles and PMTiles); default the kfmfile\'s projections.targets, else sqlite,search,tiles'],
      ['--check', 'compare each target with the catalog and write nothing; exit 1 naming each drift'],
      ['-B, --force', 'check every target in full and reload what differs, even where kfm\'s record says it is current (a receipt is signed)'],
      ['--actor <principal>, --role <role>', 'who the receipt names'],
      JSON_OPTION,
    ],
    examples: ['kfm rebuild ks_places_per_county', 'kfm rebuild ks_counties@2017.1c76d94a --targets sqlite,search,tiles', 'KFM_POSTGRES_URL=postgres://kfm@127.0.0.1/kfm kfm rebuild ks_counties --targets postgis --check'],
  },
  rollback: {
    usage: 'kfm rollback <dataset> --to <dataset_version_id> --reason "<why>" [--actor <principal>] [--role <role>] [--json]',
    summary:
      'Runbook procedure E: a governed change that deletes nothing. Loads the known-good version into every projection that shows the dataset (not yet current), signs the rollback decision (who, why, when) into the ledger, marks the latest version superseded and moves latest_version_id back, then swaps each projection in one step. Refused (exit 1) when the version was never promoted, is quarantined or superseded.',
    options: [
      ['--to <dvid>', 'the earlier published version to make latest again'],
      ['--reason "<why>"', 'why the latest version is withdrawn (required; in the decision)'],
      ['--actor <principal>, --role <role>', 'who decides (default: the OS user, operator)'],
      JSON_OPTION,
    ],
    examples: ['kfm rollback ks_counties --to 2017.1c76d94a --reason "county 20091 boundary wrong in 2017.9f3e…"'],
  },
  serve: {
    usage: 'kfm serve [--port <n>] [--host <address>] [--json]',
    summary:
      'Serves the read-only lineage API (/api/v1/..., OpenAPI at /api/v1/openapi.json), the tiles and the lineage page at /, until Ctrl-C. Never takes the project lock. Restricted datasets only with Authorization: Bearer <KFM_SERVE_TOKEN>.',
    options: [
      ['--port <n>', 'the port (default 8787; 0 picks a free one)'],
      ['--host <address>', 'the address to bind (default 127.0.0.1)'],
      ['--json', 'print the listening URL as one JSON line'],
    ],
    examples: ['kfm serve', 'kfm serve --port 0 --json', 'KFM_SERVE_TOKEN=$(cat token) kfm serve --host 0.0.0.0'],
  },
  worker: {
    usage: 'kfm worker [-j <n>]',
    summary:
      'Serves a distributed build (kfm build --executor queue): takes task jobs from the PostgreSQL queue of KFM_STATE, runs them on its own thread pool (upstream outputs read from and outputs put to the S3 store), and replies with each outcome; the coordinator commits. Runs in a checkout of the project holding the task code (declared input files are fetched from the S3 store by digest into .kfm/worker-inputs/), with the S3 credentials in its environment, until Ctrl-C. A worker killed mid-task: its job is retried by another after KFM_QUEUE_TIMEOUT.',
    options: [['-j, --jobs <n>', 'tasks at once (default: the number of cores)']],
    examples: ['KFM_STATE=postgres://kfm@db/kfm AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… kfm worker -j 4'],
  },
  completion: {
    usage: 'kfm completion bash|zsh',
    summary: 'Prints a shell completion script for kfm.',
    options: [],
    examples: ['source <(kfm completion bash)', 'kfm completion zsh > "${fpath[1]}/_kfm"'],
  },
};

/** The help text of one command. */
export function commandHelpText(name: string, help: CommandHelp): string {
  const width = Math.max(0, ...help.options.map(([flag]) => flag.length));
  const lines = [`usage: ${help.usage}`, '', help.summary];
  if (help.options.length > 0) lines.push('', 'Options:', ...help.options.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`));
  lines.push('', 'Examples:', ...help.examples.map((e) => `  ${e}`), '', `Global options (-C, -f, --reporter, …): kfm --help. Exit codes: 0 success; 1 a task, check or gate failed; 2 usage error.`);
  return lines.join('\n') + '\n';
}
