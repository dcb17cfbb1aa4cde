import { canonicalDigest } from '../../core/canonicalJson.js';
import type { JsonObject } from '../../core/json.js';
import type { RunReceipt } from '../../store/receipts/runReceipt.js';
import { kfmVersion } from '../../core/kfmVersion.js';
import type { ReceiptEnvironment } from './datasetReceipts.js';
import { gitCommit } from './gitCommit.js';

/** Where kfm runs, as receipts record it: the project's git commit, kfm's and Node's versions, the platform. Asks git. */
export function receiptEnvironment(projectRoot: string): ReceiptEnvironment {
  return {
    gitCommit: gitCommit(projectRoot),
    kfmVersion: kfmVersion(),
    nodeVersion: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** A run receipt's `environment` block: where kfm ran, and the parameters with their digest. */
export function receiptEnvironmentBlock(environment: ReceiptEnvironment, parameters: JsonObject): RunReceipt['environment'] {
  return {
    git_commit: environment.gitCommit,
    runtime: { kfm_version: environment.kfmVersion, node_version: environment.nodeVersion, platform: environment.platform },
    params_digest: canonicalDigest(parameters),
    parameters,
  };
}
