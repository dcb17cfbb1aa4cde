import type { BuildEvent } from '../../engine/run/event.js';
import { unreachable } from '../../core/error.js';
import { jobsClampedText } from './jobsClampedText.js';

/** The events every text reporter writes to stderr as one `kfm: …` line, whatever it prints on stdout. */
export type NoticeEvent = Extract<BuildEvent, { type: 'lock-waiting' | 'jobs-clamped' | 'audit-notice' | 'shared-cache-notice' | 'shared-cache-rejected' }>;

/** The stderr line of a notice, newline included. */
export function noticeLine(e: NoticeEvent): string {
  switch (e.type) {
    case 'lock-waiting':
      return `kfm: waiting for the project lock held by ${e.holder}\n`;
    case 'jobs-clamped':
      return `kfm: warning: ${jobsClampedText(e)}\n`;
    case 'audit-notice':
    case 'shared-cache-notice':
      return `kfm: ${e.message}\n`;
    case 'shared-cache-rejected':
      return `kfm: shared cache: rejected the entry for ${e.id} (key ${e.key.slice(7, 19)}): ${e.reason}; running it locally\n`;
    default:
      return unreachable(e);
  }
}
