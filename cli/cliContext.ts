/** What every command gets: parsed options and where to write. */
export interface CliContext {
  positionals: string[];
  project: { cwd: string; file?: string };
  reporter: 'plain' | 'json';
  jobs: number | undefined;
  keepGoing: boolean;
  verbose: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
}
