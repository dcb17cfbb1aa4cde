import type { FastifyInstance } from 'fastify';
import { loadGraph } from '../../engine/load/project.js';
import { showLedgerEntry } from '../../engine/receipts/showLedgerEntry.js';
import { datasetStatuses } from '../../engine/versions/datasetStatus.js';
import { lineageStatus, type LineageStatusReport } from '../../stages/lineage/lineageStatus.js';
import { AnswerCache, projectFingerprint } from './answerCache.js';
import { versionDetails } from '../../stages/lineage/versionDetails.js';
import { notFound } from './apiError.js';
import { datasetDag } from './datasetDag.js';
import { maySee } from './operatorAuth.js';
import { visibleRegistry, type ServeContext } from './serveContext.js';

const slugParam = { type: 'object', properties: { slug: { type: 'string' } }, required: ['slug'] } as const;
const versionParams = { type: 'object', properties: { slug: { type: 'string' }, dvid: { type: 'string' } }, required: ['slug', 'dvid'] } as const;

/** The lineage API: status, datasets, versions, one version, a dataset's DAG, one receipt. */
export function lineageRoutes(app: FastifyInstance, ctx: ServeContext): void {
  // Recomputed only when the registry, the ledger, the state or the lock holder changed.
  const cache = new AnswerCache<LineageStatusReport>();
  const currentStatus = () => cache.get(projectFingerprint(ctx.paths), () => lineageStatus(ctx.paths));

  app.get(
    '/api/v1/lineage/status',
    { schema: { tags: ['lineage'], summary: 'Per dataset: current dvid, last successful and last attempted run, validation status, freshness and a badge (healthy, degraded, failing, running, unknown)' } },
    async (request) => {
      const report = await currentStatus();
      return { ...report, datasets: report.datasets.filter((d) => maySee(d.policy_label, request.operator)) };
    },
  );

  app.get('/api/v1/datasets', { schema: { tags: ['datasets'], summary: 'The registered datasets the caller may see, with their live version and versions' } }, async (request) => {
    const datasets = (await datasetStatuses(ctx.paths)).filter((d) => maySee(d.policy_label, request.operator));
    return { kfm_datasets_version: 'v1', datasets };
  });

  app.get('/api/v1/datasets/:slug', { schema: { tags: ['datasets'], summary: 'One dataset: its registry summary and its lineage status', params: slugParam } }, async (request) => {
    const { slug } = request.params as { slug: string };
    visibleRegistry(ctx, slug, request.operator);
    const [status] = await datasetStatuses(ctx.paths, { slug });
    const lineage = (await currentStatus()).datasets.find((d) => d.dataset_slug === slug) ?? null;
    return { kfm_dataset_version: 'v1', dataset: status, lineage };
  });

  app.get(
    '/api/v1/datasets/:slug/versions',
    { schema: { tags: ['datasets'], summary: "A dataset's versions: mode and its reason, status, gates, QA report, receipts, citations", params: slugParam } },
    async (request) => {
      const { slug } = request.params as { slug: string };
      visibleRegistry(ctx, slug, request.operator);
      return { kfm_versions_version: 'v1', dataset_slug: slug, versions: await versionDetails(ctx.paths, slug) };
    },
  );

  app.get('/api/v1/datasets/:slug/versions/:dvid', { schema: { tags: ['datasets'], summary: 'One version: its gates table, QA report, receipts, rerun mode and reason', params: versionParams } }, async (request) => {
    const { slug, dvid } = request.params as { slug: string; dvid: string };
    visibleRegistry(ctx, slug, request.operator);
    const version = (await versionDetails(ctx.paths, slug)).find((v) => v.dataset_version_id === dvid);
    if (!version) throw notFound(`no version ${slug}@${dvid} in registry/${slug}.json`);
    return { kfm_version_version: 'v1', version };
  });

  app.get(
    '/api/v1/datasets/:slug/dag',
    { schema: { tags: ['datasets'], summary: "The dataset's task DAG (with what it depends on), each node's last status, and a DOT picture", params: slugParam } },
    async (request) => {
      const { slug } = request.params as { slug: string };
      visibleRegistry(ctx, slug, request.operator);
      const graph = await loadGraph(ctx.project);
      if (!graph.datasets.has(slug)) throw notFound(`dataset "${slug}" is registered but the kfmfile no longer declares it: it has no DAG`);
      return datasetDag(ctx.paths, graph, slug);
    },
  );

  app.get(
    '/api/v1/receipts/:which',
    {
      schema: {
        tags: ['receipts'],
        summary: 'One ledger entry (by seq or run id) decoded: DSSE envelope, in-toto statement, signature verified against kfm.trust.json, chain position',
        params: { type: 'object', properties: { which: { type: 'string' } }, required: ['which'] },
      },
    },
    async (request) => {
      const { which } = request.params as { which: string };
      let report;
      try {
        report = await showLedgerEntry(ctx.paths, which);
      } catch (e) {
        if ((e as { code?: string }).code === 'usage') throw notFound((e as Error).message);
        throw e;
      }
      // A restricted dataset's entry is as invisible as the dataset.
      if (report.dataset_slug !== null) {
        try {
          visibleRegistry(ctx, report.dataset_slug, request.operator);
        } catch {
          throw notFound(`no ledger entry ${which} visible here (restricted datasets need an operator token)`);
        }
      }
      return report;
    },
  );
}
