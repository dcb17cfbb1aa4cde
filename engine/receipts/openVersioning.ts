import { actorOf } from './actor.js';
import { KfmError } from '../../core/error.js';
import type { Project } from '../load/project.js';
import { ReceiptWriter } from './receiptWriter.js';
import { pinSigningKey } from './pinSigningKey.js';
import type { BuildRerunMode } from '../../core/buildRerunMode.js';
import { datasetTargets, targetText, type Target } from '../graph/target.js';
import type { EventSink } from '../run/event.js';
import type { ReceiptEnvironment } from './datasetReceipts.js';
import { receiptEnvironment } from './receiptEnvironment.js';
import { openLedger } from '../load/openSeams.js';
import type { VersioningContext } from '../versions/versioningContext.js';
import type { VersionStage } from '../versions/versionStage.js';

/**
 * Sets up what a build's dataset versions need (engine/versions/versioningContext.ts) when
 * a target is versioned (has a slice): the signing key (loaded or generated, its public half
 * in `.kfm/keys/`, checked against kfm.trust.json: pinSigningKey.ts) before anything runs,
 * so a missing key fails the build at once. The caller
 * passes `context` to the build (BuildOptions.versioning) and closes it after. Returns
 * undefined when no target is versioned (`--expect` then is a usage error).
 */
export function openVersioning(
  project: Project,
  targets: Target[],
  options: { expect?: BuildRerunMode | undefined; actor?: { principal?: string; role?: string } | undefined; onEvent: EventSink; stages?: readonly VersionStage[] | undefined },
): { context: VersioningContext; close(): Promise<void> } | undefined {
  // A task target (ks_counties/qa) versions nothing: a version is the whole dataset's.
  const versioned = datasetTargets(targets).some((t) => (t.slice ?? project.graph.datasets.get(t.dataset)!.defaultSlice) !== undefined);
  if (!versioned) {
    const task = targets.find((t) => t.task !== undefined);
    if (options.expect !== undefined && task) {
      throw new KfmError('usage', `--expect needs a versioned target: ${targetText(task)} names one task, and a build of part of a dataset records no version (name the dataset, e.g. ${task.dataset})`);
    }
    if (options.expect !== undefined) {
      throw new KfmError('usage', '--expect needs a versioned target: name a slice (e.g. ks_counties@2017) or give the dataset a default slice');
    }
    return undefined;
  }
  const { kfmDir } = project.paths;
  const receipts = new ReceiptWriter({ projectRoot: project.paths.root, kfmDir, openLedger: () => openLedger(kfmDir) });
  let pinned = false;
  const pinTrust = () => {
    if (pinned) return;
    pinned = true;
    pinSigningKey(project.paths.root, receipts.key, options.onEvent);
  };
  let environment: ReceiptEnvironment | undefined;
  return {
    context: {
      expect: options.expect,
      onEvent: options.onEvent,
      projectRoot: project.paths.root,
      kfmDir,
      receipts,
      actor: actorOf(options.actor),
      environment: () => (environment ??= receiptEnvironment(project.paths.root)),
      pinTrust,
      stages: options.stages,
    },
    close: () => receipts.close(),
  };
}
