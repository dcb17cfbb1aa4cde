/**
 * The README's samples name the Kansas versions this commit records: every
 * `ks_…@<slice>.<hash8>` in README.md is a version in registry/<slug>.json, so captured
 * output cannot go stale unnoticed when the pipeline (and with it a dvid) changes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cliRig.js';

describe('README samples', () => {
  it('name only Kansas versions the committed registry records', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const named = new Set([...readme.matchAll(/\b(ks_[a-z_]+)@([0-9]{4}\.[0-9a-f]{8}(?:\.[0-9a-f]{8})?)\b/g)].map((m) => `${m[1]}@${m[2]}`));
    expect(named.size).toBeGreaterThan(0);
    const recorded = new Set<string>();
    for (const slug of ['ks_counties', 'ks_places', 'ks_places_per_county']) {
      const registry = JSON.parse(readFileSync(join(REPO_ROOT, 'registry', `${slug}.json`), 'utf8')) as { versions: { dataset_version_id: string }[] };
      for (const v of registry.versions) recorded.add(`${slug}@${v.dataset_version_id}`);
    }
    expect([...named].filter((v) => !recorded.has(v)), 'README names versions the registry does not record: rerun the sample and paste it').toEqual([]);
  });
});
