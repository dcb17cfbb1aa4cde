import type { BuildRerunMode } from '../../core/buildRerunMode.js';
import type { Digest } from '../../core/digest.js';
import type { ContentStore } from '../../store/contentStore.js';
import type { DataTreeSettings } from '../../store/dataTree.js';
import type { VersionStore } from '../../store/state.js';
import type { Graph } from '../graph/graph.js';
import type { Actor } from '../receipts/actor.js';
import type { ReceiptEnvironment } from '../receipts/datasetReceipts.js';
import type { ReceiptWriter } from '../receipts/receiptWriter.js';

/**
 * A stage that runs on a dataset version after its receipts are recorded, in `kfm build`
 * (engine/versions/versionDatasets.ts): the catalogs (`kfm:catalog`, stages/catalog/). The
 * engine defines the seam and the CLI passes the stages in (RunBuildOptions.stages), since
 * the engine may not import stages/. A stage is content-keyed like a node: it answers
 * `cached` when its key is the one it recorded, else it runs, records and signs.
 */
export interface VersionStage {
  /** Its node name in reports: `kfm:catalog` (shown as `<slug>/kfm:catalog`). */
  name: string;
  /** Whether the stage is part of this project's builds at all (absent: always); one that is not is neither run nor reported. */
  applies?(graph: Graph): boolean;
  run(args: VersionStageArgs): Promise<VersionStageOutcome>;
}

/** What a stage is given: the version, where things are written, and the build's receipt writer. */
export interface VersionStageArgs {
  graph: Graph;
  slug: string;
  slice: string;
  datasetVersionId: string;
  specHash: Digest;
  mode: BuildRerunMode;
  modeReason: string;
  versions: VersionStore;
  store: ContentStore;
  dataDir: string;
  kfmDir: string;
  projectRoot: string;
  dataTree: DataTreeSettings;
  receipts: ReceiptWriter;
  actor: Actor;
  environment: () => ReceiptEnvironment;
  /** The build's run id and time. */
  runId: string;
  now: string;
}

export interface VersionStageOutcome {
  /** `skipped`: the stage does not apply to this version (e.g. a quarantined one), said in `reason`. */
  status: 'executed' | 'cached' | 'skipped';
  key: Digest | null;
  reason: string;
  /** The files it wrote or found, relative to data/ (its receipt's included). */
  paths: string[];
  /** The receipt it signed, when it ran. */
  receipt: { runId: string; seq: number } | null;
  /** The validation it did, when it ran: the number of problems found (0: valid). */
  problems: number | null;
}
