import { join } from 'node:path';
import type { DataTreeLink } from '../../core/kfmConfig.js';
import type { DataTreeSettings } from '../../store/dataTree.js';

/** Where edited data/ files are moved before they are restored, inside `.kfm/`. */
export const DATA_EDITS_DIR = 'data-edits';

/** A project's data tree settings: its kfmfile's `dataTree.link` (default `copy`) and `.kfm/data-edits`. */
export function dataTreeSettings(kfmDir: string, link: DataTreeLink | undefined): DataTreeSettings {
  return { link: link ?? 'copy', editedDir: join(kfmDir, DATA_EDITS_DIR) };
}
