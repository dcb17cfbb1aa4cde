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
  out: (text: string) => void;
  err: (text: string) => void;
  /** The stream `out` writes to, when it is process.stdout (the Ink UI draws there); undefined when output is captured. */
  terminal: NodeJS.WriteStream | undefined;
}
