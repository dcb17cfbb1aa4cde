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
