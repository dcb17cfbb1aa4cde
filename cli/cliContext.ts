import type { BuildRerunMode } from '../core/buildRerunMode.js';

export const REPORTERS = ['ink', 'plain', 'json'] as const;

/** How `kfm build` reports: the Ink terminal UI, plain lines, or one JSON document. */
export type ReporterName = (typeof REPORTERS)[number];

/** What every command gets: parsed options and where to write. */
export interface CliContext {
  positionals: string[];
  project: { cwd: string; file?: string };
  /** The `--reporter` named; undefined lets chooseReporter decide from the terminal. */
  reporter: ReporterName | undefined;
  jobs: number | undefined;
  keepGoing: boolean;
  verbose: boolean;
  /** `kfm build --expect <mode>`: the rerun mode every versioned target must be in. */
  expect?: BuildRerunMode | undefined;
  /** `kfm build`, `kfm promote`, `kfm approve` `--actor` / `--role`: who the receipts (and approvals) name. */
  actor?: string | undefined;
  role?: string | undefined;
  /** `kfm check --update`: record the current spec hashes in the registry. */
  update?: boolean;
  /** `kfm receipts verify --repair`: re-materialise missing receipt files from the ledger first; `kfm fsck --repair`: quarantine corrupt objects, restore data files. */
  repair?: boolean;
  /** `kfm receipts verify --head <entry hash>`: the ledger must hold that entry. */
  head?: string | undefined;
  /** `kfm graph --format dot|mermaid|json|svg`. */
  format?: string | undefined;
  /** `kfm log --limit <n>` (`-n`), `--since <when>`, `--dataset <slug>`. */
  limit?: string | undefined;
  since?: string | undefined;
  dataset?: string | undefined;
  /** `kfm gc --dry-run`, `kfm clean --dry-run`: say what would go, remove nothing; `kfm promote --dry-run`: run the gates only, write nothing. */
  dryRun?: boolean;
  /** `kfm gc --keep-last <n>`: per dataset, retain the n most recent versions (and always the latest, candidates and published ones). */
  keepLast?: string | undefined;
  /** `kfm promote --override --rationale "…"`: override a QA failure (gate F), as the policy's override role. */
  override?: boolean;
  rationale?: string | undefined;
  /** `kfm rebuild --targets sqlite,search,postgis,tiles`, `--check` (compare only). */
  targets?: string | undefined;
  check?: boolean;
  /** `kfm rollback --to <dvid> --reason "…"`. */
  to?: string | undefined;
  reason?: string | undefined;
  /** `kfm serve --port <n>` and `--host <address>` (default 8787 on 127.0.0.1). */
  port?: string | undefined;
  host?: string | undefined;
  /** `--watch` (or the `watch` command): build, then rebuild on every change. */
  watch: boolean;
  /** `kfm build --verify-determinism [--sample N]`: run the executed nodes again and compare their outputs. */
  verifyDeterminism?: { sample: number | undefined } | undefined;
  /** `kfm build --force` (`-B`), `kfm plan --force`, `kfm explain --force`: the named nodes run even when cached. */
  force?: boolean;
  /** `kfm build --executor queue`: run the tasks on `kfm worker` processes through the PostgreSQL queue. */
  executor?: 'queue';
  out: (text: string) => void;
  err: (text: string) => void;
  /** The stream `out` writes to, when it is process.stdout (the Ink UI draws there); undefined when output is captured. */
  terminal: NodeJS.WriteStream | undefined;
}
