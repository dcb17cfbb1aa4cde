import type { BuildEvent } from '../../engine/run/event.js';

/**
 * A version stage's line: `catalog  ks_counties@2017.1c76d94a: cached`, or what it wrote
 * (`4 files, valid, receipt signed (ledger seq 9)`), or why it did not apply.
 */
export function versionStageText(e: Extract<BuildEvent, { type: 'version-stage' }>): string {
  const label = e.stage.replace(/^kfm:/, '').padEnd(8);
  const v = `${e.dataset}@${e.datasetVersionId}`;
  // The projection stage keeps the dataset's latest published version current, not the one built: its reason names it.
  if (e.stage === 'kfm:project') return `${label} ${e.dataset}: ${e.status === 'skipped' ? `skipped (${e.reason})` : e.reason}${e.receipt ? `, receipt signed (ledger seq ${e.receipt.seq})` : ''}`;
  switch (e.status) {
    case 'cached':
      return `${label} ${v}: cached`;
    case 'skipped':
      return `${label} ${v}: skipped (${e.reason})`;
    case 'executed': {
      const valid = e.problems === null ? '' : e.problems === 0 ? ', valid' : `, ${e.problems} validation problem${e.problems === 1 ? '' : 's'}`;
      const receipt = e.receipt ? `, receipt signed (ledger seq ${e.receipt.seq})` : '';
      return `${label} ${v}: ${e.files} files${valid}${receipt}`;
    }
    default:
      return e.status satisfies never;
  }
}
