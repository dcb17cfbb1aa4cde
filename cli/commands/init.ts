import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { KfmError } from '../../core/error.js';
import type { CliContext } from '../cliContext.js';
import { GITIGNORE_LINES, STARTER_FILES } from '../init/starterFiles.js';

/**
 * `kfm init`: writes a starter project into the current directory (or `-C <dir>`): a
 * kfmfile with one dataset, its task, a CSV to ingest, and `.gitignore` lines for `.kfm/`
 * and `data/`. It never overwrites: when any file it would write exists, it writes nothing
 * and names the file (exit 2).
 */
export async function initCommand(cli: CliContext): Promise<number> {
  if (cli.positionals.length > 0) throw new KfmError('usage', 'usage: kfm init (writes into the current directory; -C <dir> for another)');
  const root = resolve(cli.project.cwd);
  const existing = Object.keys(STARTER_FILES).filter((rel) => existsSync(join(root, rel)));
  if (existing.length > 0) {
    throw new KfmError('usage', `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''} in ${root}: kfm init writes only into a project without them (nothing was written)`);
  }
  const written: string[] = [];
  for (const [rel, text] of Object.entries(STARTER_FILES)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text, { flag: 'wx' });
    written.push(rel);
  }
  const gitignore = join(root, '.gitignore');
  const before = existsSync(gitignore) ? readFileSync(gitignore, 'utf8') : '';
  const have = new Set(before.split(/\r?\n/).map((l) => l.trim()));
  const missing = GITIGNORE_LINES.filter((l) => !have.has(l));
  if (missing.length > 0) {
    writeFileSync(gitignore, before + (before === '' || before.endsWith('\n') ? '' : '\n') + missing.join('\n') + '\n');
    written.push(`.gitignore (${before === '' ? 'created' : `added ${missing.join(' ')}`})`);
  }
  if (cli.reporter === 'json') {
    cli.out(JSON.stringify({ kfm_init_version: 'v1', root, written }, null, 2) + '\n');
    return 0;
  }
  for (const w of written) cli.out(`wrote    ${w}\n`);
  cli.out('next: kfm build    (then kfm status places, kfm log, kfm --help)\n');
  return 0;
}
