import { readFileSync } from 'node:fs';
import { distUrl } from '../../core/distUrl.js';
import { KfmError } from '../../core/error.js';

/** The SHACL shapes kfm ships for its profiles (`schemas/shacl/<name>.ttl`). */
export type ShapesName = 'dcat-profile' | 'prov-profile';

const shapesCache = new Map<ShapesName, unknown>();

/** A JSON-LD document loader that loads nothing: every context kfm writes is inlined, and a catalog is checked offline. */
export async function refuseNetwork(url: string): Promise<never> {
  throw new KfmError('check', `a JSON-LD context or document to load (${url}): kfm parses catalogs offline, with their context inlined`);
}

/**
 * Parses a JSON-LD document to RDF (jsonld.js, with `refuseNetwork` as its document loader)
 * and validates it against one of kfm's SHACL shape files (rdf-validate-shacl). Returns
 * the violations as `<focus node> <path>: <message>`; empty when the graph conforms. A
 * document that is not valid JSON-LD is one problem naming why. The RDF libraries load on
 * first use.
 */
export async function rdfCheck(doc: unknown, shapesName: ShapesName): Promise<string[]> {
  const [{ default: jsonld }, { Parser }, { default: rdf }, { default: SHACLValidator }] = await Promise.all([
    import('jsonld'),
    import('n3'),
    import('@zazuko/env-node'),
    import('rdf-validate-shacl'),
  ]);
  let nquads: string;
  try {
    nquads = (await jsonld.toRDF(doc as object, { format: 'application/n-quads', documentLoader: refuseNetwork } as never)) as unknown as string;
  } catch (e) {
    const err = e as { message?: string; details?: { cause?: { message?: string } } };
    return [`not valid JSON-LD: ${err.details?.cause?.message ?? err.message ?? String(e)}`];
  }
  const data = rdf.dataset(new Parser({ format: 'N-Quads' }).parse(nquads) as never);
  let shapes = shapesCache.get(shapesName);
  if (!shapes) {
    const ttl = readFileSync(new URL(`../schemas/shacl/${shapesName}.ttl`, distUrl('')), 'utf8');
    shapes = rdf.dataset(new Parser({ format: 'Turtle' }).parse(ttl) as never);
    shapesCache.set(shapesName, shapes);
  }
  const report = await new SHACLValidator(shapes as never, { factory: rdf as never }).validate(data as never);
  if (report.conforms) return [];
  return report.results.map((r) => {
    const msg = r.message.map((m) => m.value).join('; ') || r.sourceConstraintComponent?.value.replace(/^.*#/, '') || 'violation';
    return `${r.focusNode?.value ?? '?'} ${r.path?.value ?? ''}: ${msg}`.replace(/ :/, ':');
  });
}
