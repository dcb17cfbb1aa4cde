import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KfmError } from '../../core/error.js';
import { locateProject } from '../../engine/load/locateProject.js';
import { pinKey, readTrustFile, TRUST_FILE } from '../../store/receipts/trustFile.js';
import type { CliContext } from '../cliContext.js';

export const TRUST_USAGE = 'usage: kfm receipts trust list [--json] | kfm receipts trust add <public key pem file> [<owner>]';

/**
 * `kfm receipts trust list`: the keys kfm.trust.json pins (key id and owner).
 * `kfm receipts trust add <pem file> [<owner>]`: pins an Ed25519 public key (SPKI PEM), creating the file
 * if need be; a private key is refused. Exit 0; 2 for a bad key or usage.
 */
export async function receiptsTrustCommand(cli: CliContext, args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const root = locateProject(cli.project).root;
  if (action === 'list' && rest.length === 0) {
    const file = readTrustFile(root);
    if (cli.reporter === 'json') {
      cli.out(JSON.stringify(file ?? null, null, 2) + '\n');
      return 0;
    }
    if (!file) {
      cli.out(`no ${TRUST_FILE}: no key is pinned (the first versioned build creates it)\n`);
      return 0;
    }
    for (const k of file.keys) cli.out(`${k.keyid}  ${k.owner}\n`);
    return 0;
  }
  if (action === 'add' && (rest.length === 1 || rest.length === 2)) {
    const pemFile = resolve(cli.project.cwd, rest[0]!);
    let pem: string;
    try {
      pem = readFileSync(pemFile, 'utf8');
    } catch (e) {
      throw new KfmError('usage', `cannot read ${rest[0]!}: ${(e as Error).message}`);
    }
    const owner = rest[1] ?? `added with kfm receipts trust add`;
    const r = pinKey(root, pem, owner);
    cli.out(r.added ? `pinned ${r.keyid} in ${TRUST_FILE}${r.created ? ' (created)' : ''}: commit it\n` : `${r.keyid} is already pinned in ${TRUST_FILE}\n`);
    return 0;
  }
  throw new KfmError('usage', TRUST_USAGE);
}
