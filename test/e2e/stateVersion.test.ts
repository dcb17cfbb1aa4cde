/** A state database written by a newer kfm: every command refuses it with exit 2, untouched. */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STATE_SCHEMA_VERSION } from '../../store/state.js';
import { KFMFILE_HEADER, useCliRigs } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

describe('a state database from a newer kfm', () => {
  it('is refused with exit 2 and an upgrade hint', async () => {
    const rig = newRig({
      'kfmfile.ts': `${KFMFILE_HEADER}export default defineKfm({ datasets: [dataset(spec('a'), [task('x', { run: './t.ts' })])] });\n`,
      't.ts': `export default async function t(ctx: { output(n: string, d: string, m: string): Promise<unknown> }) { await ctx.output('o.txt', 'x', 'text/plain'); }\n`,
    });
    mkdirSync(rig.path('.kfm'));
    const db = new Database(rig.path('.kfm/state.db'));
    db.pragma('user_version = 99');
    db.close();

    const message = `state database ${rig.path('.kfm/state.db')} has schema version 99, newer than this kfm supports (${STATE_SCHEMA_VERSION}); upgrade kfm`;
    for (const args of [['build'], ['plan'], ['explain', 'a']]) {
      expect(await rig.run(args)).toEqual({ code: 2, signal: null, stdout: '', stderr: `kfm: ${message}\n` });
    }
    const json = await rig.run(['build', '--json']);
    expect(json.code).toBe(2);
    const report = JSON.parse(json.stdout) as unknown;
    expectValidReport('error', report);
    expect(report).toEqual({ kfm_error_version: 'v1', error: { code: 'state', message, location: null } });

    const after = new Database(rig.path('.kfm/state.db'), { readonly: true });
    try {
      expect(after.pragma('user_version', { simple: true })).toBe(99);
    } finally {
      after.close();
    }
  });
});
