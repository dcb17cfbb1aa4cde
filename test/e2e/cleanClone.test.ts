/**
 * Committed files hold no wall-clock value: a clean clone (the project and its registry, no
 * `.kfm/`, no `data/`) that builds a version already recorded leaves `registry/` byte for
 * byte as committed. And a task that serialises ctx.params writes the same bytes whatever
 * order the kfmfile wrote them in (tasks get canonical params).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, useCliRigs } from '../support/cliRig.js';

const newRig = useCliRigs();

const PARAMS_TASK = `import type { TaskContext } from 'kfm';
export default async function t(ctx: TaskContext): Promise<void> {
  await ctx.output('params.json', JSON.stringify(ctx.params), 'application/json');
}
`;

const kfmfile = (params: string) => `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('a'), [task('b', { run: './t.ts', params: ${params} })], { slice: '2019' }),
] });
`;

const registryBytes = (dir: string) => Object.fromEntries(readdirSync(`${dir}/registry`).sort().map((f) => [f, readFileSync(`${dir}/registry/${f}`, 'utf8')]));

describe('a clean clone', () => {
  it("building a recorded version leaves registry/ unchanged, and params reach tasks in canonical order", async () => {
    const first = newRig({ 'kfmfile.ts': kfmfile('{ z: 1, a: { y: [2, 1], b: true } }'), 't.ts': PARAMS_TASK });
    const built = await first.buildJson();
    expect(built.result.code).toBe(0);
    const committed = registryBytes(first.dir);
    expect(Object.keys(committed)).toEqual(['a.json']);
    expect(committed['a.json']).not.toMatch(/created_at|T[0-9]{2}:[0-9]{2}/);

    // The clone: the same sources and registry, params in another order, no .kfm/ and no data/.
    const clone = newRig({ 'kfmfile.ts': kfmfile('{ a: { b: true, y: [2, 1] }, z: 1 }'), 't.ts': PARAMS_TASK, 'registry/a.json': committed['a.json']! });
    const rebuilt = await clone.buildJson();
    expect(rebuilt.result.code).toBe(0);
    expect(rebuilt.report.versions.map((v) => v.dataset_version_id)).toEqual(built.report.versions.map((v) => v.dataset_version_id));
    expect(registryBytes(clone.dir)).toEqual(committed);
    const dvid = built.report.versions[0]!.dataset_version_id;
    const bytes = (dir: string) => readFileSync(`${dir}/data/processed/a/${dvid}/params.json`, 'utf8');
    expect(bytes(clone.dir)).toBe('{"a":{"b":true,"y":[2,1]},"z":1}');
    expect(bytes(first.dir)).toBe(bytes(clone.dir));
  });
});
