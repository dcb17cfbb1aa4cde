import type { Actor } from './actor.js';
import type { ReceiptEnvironment } from './datasetReceipts.js';
import type { EventSink } from '../run/event.js';
import type { ReceiptWriter } from './receiptWriter.js';
import type { BuildRerunMode } from '../../core/buildRerunMode.js';

/**
 * What naming a dataset version needs beyond the build itself, for a build run through
 * `runBuild` (`kfm build`): the mode the operator expects, where events go, the registry's
 * project root, and the receipt writer with the actor and environment receipts record.
 * Without one (the bare scheduler, as engine tests run it) versions are still derived,
 * recorded and linked, with no registry and no receipts.
 */
export interface VersioningContext {
  /** `--expect`: a version found in another mode is refused, and nothing is written for it. */
  expect: BuildRerunMode | undefined;
  onEvent: EventSink;
  projectRoot: string;
  receipts: ReceiptWriter;
  actor: Actor;
  /** Computed on first use (it asks git), then the same for the build. */
  environment: () => ReceiptEnvironment;
}

const byRun = new Map<string, VersioningContext>();

/**
 * Makes a context available to `linkDatasetVersion` for the build with this run id (the one
 * value the scheduler hands it that is unique to the build), until `endVersioning`.
 */
export function beginVersioning(runId: string, context: VersioningContext): void {
  byRun.set(runId, context);
}

export function endVersioning(runId: string): void {
  byRun.delete(runId);
}

export function versioningOf(runId: string): VersioningContext | undefined {
  return byRun.get(runId);
}
