import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KfmError } from '../../core/error.js';
import { featureBatches } from '../../stages/projections/featureBatches.js';

const artifact = { path: 'a.geojson', digest: 'sha256:00' as never };
const source = (text: string) => ({ get: async () => Buffer.from(text, 'utf8') });
const read = async (text: string) => {
  const b = await featureBatches(source(text), artifact);
  return { count: b.count, features: [...b.features()] };
};
const point = (i: number, name: string) => ({ type: 'Feature', id: i, properties: { name }, geometry: { type: 'Point', coordinates: [i, i / 2] } });

describe('featureBatches', () => {
  it('gives the features JSON.parse gives, whatever the strings, key order, nesting and whitespace', async () => {
    const name = fc.string({ unit: fc.constantFrom('a', ',', ']', '[', '{', '}', '"', '\\', ':', ' ', '\n', 'features', 'é', '\u2028') });
    await fc.assert(
      fc.asyncProperty(fc.array(name, { maxLength: 12 }), fc.boolean(), fc.boolean(), fc.constantFrom(0, 2), async (names, featuresFirst, extra, indent) => {
        const features = names.map((n, i) => ({ ...point(i, n), properties: { name: n, features: [n, { features: n }] } }));
        const doc = featuresFirst
          ? { features, type: 'FeatureCollection', ...(extra ? { bbox: [0, 1, 2, 3], name: 'features' } : {}) }
          : { type: 'FeatureCollection', ...(extra ? { bbox: [0, 1, 2, 3], name: 'x' } : {}), features };
        const got = await read(JSON.stringify(doc, null, indent));
        expect(got).toEqual({ count: features.length, features });
      }),
      { numRuns: 200 },
    );
  });

  it('parses across batch boundaries (5,001 features) in order', async () => {
    const features = Array.from({ length: 5001 }, (_, i) => point(i, `p${i}`));
    const got = await read(JSON.stringify({ type: 'FeatureCollection', features }));
    expect(got.count).toBe(5001);
    expect(got.features).toEqual(features);
  });

  it('an empty features array, a duplicated features key (the last wins, as in JSON.parse)', async () => {
    expect(await read('{"type":"FeatureCollection","features":[ ]}')).toEqual({ count: 0, features: [] });
    const dup = '{"type":"FeatureCollection","features":[1],"features":[{"type":"Feature","properties":null,"geometry":null}]}';
    expect(await read(dup)).toEqual({ count: 1, features: JSON.parse(dup).features });
  });

  it('a feature that is not JSON, a document that is not a FeatureCollection: KfmError store', async () => {
    const bad = await featureBatches(source('{"type":"FeatureCollection","features":[{"type":"Feature"},{"type":}]}'), artifact);
    expect(() => [...bad.features()]).toThrow(KfmError);
    expect(() => [...bad.features()]).toThrow(/a\.geojson .* is not JSON/);
    await expect(featureBatches(source('{"type":"FeatureCollection","features":[{}],}'), artifact)).rejects.toThrow(/is not JSON/);
    await expect(featureBatches(source('{"type":"Feature","features":[]}'), artifact)).rejects.toThrow(/is not a GeoJSON FeatureCollection/);
    await expect(featureBatches(source('[1,2]'), artifact)).rejects.toThrow(/is not a GeoJSON FeatureCollection/);
    await expect(featureBatches(source('{"type":"FeatureCollection"}'), artifact)).rejects.toThrow(/is not a GeoJSON FeatureCollection/);
    await expect(featureBatches(source('{"type":"FeatureCollection","features":[1,]}'), artifact)).resolves.toBeDefined();
    const trailing = await featureBatches(source('{"type":"FeatureCollection","features":[1,]}'), artifact);
    expect(() => [...trailing.features()]).toThrow(/is not JSON/);
  });
});
