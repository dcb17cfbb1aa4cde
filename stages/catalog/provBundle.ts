import type { Json, JsonObject } from '../../core/json.js';
import type { ReceiptInput, ReceiptOutput } from '../../store/receipts/runReceipt.js';
import { CATALOG_VERSION, datasetUri, docRef, provRef } from './catalogLayout.js';
import type { CatalogSources } from './catalogSources.js';
import { CATALOG_CONTEXT, dateTime, ref } from './jsonLdContext.js';

/** The agent a receipt's actor names: `kfm://agent/<principal>`. */
export const agentUri = (principal: string): string => `kfm://agent/${encodeURIComponent(principal)}`;

/**
 * The version's PROV bundle (JSON-LD, `prov/bundle.jsonld`), read off the receipts of the run
 * that produced it, nothing re-derived: one `prov:Activity` per receipted run (@id its run id;
 * start and end from the receipt's timestamps; associated with its actor; its spec_hash,
 * operation, node, the receipt file it is recorded in, and `kfm:generalization_method` when
 * the run's parameters name one), one `prov:Agent` per actor, one `prov:Entity` per artifact
 * the runs used or generated (@id `kfm://artifact/sha256:…`, its zone and digest), and the
 * version itself as an entity whose members are its processed artifacts.
 */
export function provBundle(s: CatalogSources): JsonObject {
  const entities = new Map<string, JsonObject>();
  const agents = new Map<string, JsonObject>();
  const activities: JsonObject[] = [];
  const entity = (a: ReceiptInput | ReceiptOutput, generatedBy?: string) => {
    const e = entities.get(a.artifact_id) ?? {
      '@id': a.artifact_id,
      '@type': ['prov:Entity', 'kfm:Artifact'],
      'kfm:zone': a.zone,
      'kfm:digest': a.digest,
      'kfm:location': 'path' in a ? a.path : a.uri,
    };
    if (generatedBy !== undefined && e['prov:wasGeneratedBy'] === undefined) e['prov:wasGeneratedBy'] = ref(generatedBy);
    entities.set(a.artifact_id, e);
  };
  for (const { receipt: r, path, digest } of s.receipts) {
    const agent = agentUri(r.actor.principal);
    agents.set(agent, { '@id': agent, '@type': 'prov:Agent', 'kfm:principal': r.actor.principal, 'kfm:role': r.actor.role });
    for (const i of r.inputs) entity(i);
    for (const o of r.outputs) entity(o, r.run_id);
    const method: Json | undefined = r.environment.parameters.generalization_method;
    activities.push({
      '@id': r.run_id,
      '@type': 'prov:Activity',
      'prov:startedAtTime': dateTime(r.timestamps.started_at),
      'prov:endedAtTime': dateTime(r.timestamps.ended_at),
      'prov:wasAssociatedWith': ref(agent),
      'kfm:spec_hash': r.spec_hash,
      'kfm:operation': r.operation,
      ...(r.node !== undefined ? { 'kfm:node': r.node } : {}),
      ...(typeof method === 'string' ? { 'kfm:generalization_method': method } : {}),
      'kfm:receipt': ref(docRef(path)),
      'kfm:receipt_digest': digest,
      'prov:used': uniqueRefs(r.inputs.map((i) => i.artifact_id)),
      'prov:generated': uniqueRefs(r.outputs.map((o) => o.artifact_id)),
    });
  }
  const processed = `${s.zone ?? 'processed'}/${s.slug}/${s.dvid}/`;
  const members = [...entities.values()].filter((e) => String(e['kfm:location']).startsWith(processed)).map((e) => ref(String(e['@id'])));
  return {
    '@context': CATALOG_CONTEXT as unknown as JsonObject,
    '@graph': [
      {
        '@id': provRef(s.slug, s.dvid),
        '@type': 'prov:Bundle',
        'kfm:catalog_version': CATALOG_VERSION,
        'kfm:dataset_slug': s.slug,
        'kfm:dataset_version_id': s.dvid,
        'kfm:spec_hash': s.specHash,
      },
      { '@id': datasetUri(s.slug, s.dvid), '@type': 'prov:Entity', 'prov:hadMember': members, 'prov:wasGeneratedBy': s.receipts.map((r) => ref(r.receipt.run_id)) },
      ...activities,
      ...agents.values(),
      ...entities.values(),
    ],
  };
}

function uniqueRefs(ids: string[]): JsonObject[] {
  return [...new Set(ids)].map(ref);
}
