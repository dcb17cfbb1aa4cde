import type { Actor } from '../receipts/actor.js';
import type { ReceiptEnvironment } from '../receipts/datasetReceipts.js';
import type { EventSink } from '../run/event.js';
import type { ReceiptWriter } from '../receipts/receiptWriter.js';
import type { BuildRerunMode } from '../../core/buildRerunMode.js';
import type { VersionStage } from './versionStage.js';

/**
 * What versioning a build's datasets needs beyond the build itself, for a build run through
 * `runBuild` (`kfm build`, engine/receipts/openVersioning.ts): the mode the operator expects,
 * where events go, the registry's project root, and the receipt writer with the actor and
 * environment receipts record. Passed explicitly (BuildOptions.versioning →
 * versionDatasets). Without one (the bare scheduler, as engine tests run it) versions are
 * still named, recorded and linked, with no registry and no receipts.
 */
export interface VersioningContext {
  /** `--expect`: a version found in another mode is refused, and nothing is written for it. */
  expect: BuildRerunMode | undefined;
  onEvent: EventSink;
  projectRoot: string;
  /** The project's `.kfm/`. */
  kfmDir: string;
  receipts: ReceiptWriter;
  actor: Actor;
  /** Computed on first use (it asks git), then the same for the build. */
  environment: () => ReceiptEnvironment;
  /**
   * Checks the signing key against the project's trust file (engine/receipts/pinSigningKey.ts)
   * once, right before the build's first receipt is signed: a build that signs nothing (a
   * kfmfile error, a failed task) writes no trust file.
   */
  pinTrust: () => void;
  /** Stages run on each version after its receipts (the catalog: passed in by the CLI, engine/versions/versionStage.ts). */
  stages?: readonly VersionStage[] | undefined;
}
