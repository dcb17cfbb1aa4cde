import type { BuildEvent } from '../../engine/run/event.js';

/** The words for the store-integrity events, shared by the plain reporter and the Ink UI. */
export const integrityLineText = {
  objectCorrupt(e: Extract<BuildEvent, { type: 'object-corrupt' }>): string {
    const what = e.found === 'corrupt' ? 'is corrupt (its bytes no longer match its digest): moved aside' : 'is missing';
    return `store object ${e.digest} (${e.node} output "${e.output}") ${what}; ${e.node} reruns`;
  },
  dataFileRestored(e: Extract<BuildEvent, { type: 'data-file-restored' }>): string {
    return `data/${e.path} was edited (its bytes hash to ${e.edited}): restored from the store, the edited file kept at ${e.keptAt}`;
  },
};
