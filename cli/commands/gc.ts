import { KfmError } from '../../core/error.js';
import { locateProject } from '../../engine/load/locateProject.js';
import type { GcReason } from '../../engine/gc/planGc.js';
import { GC_REPORT_VERSION, runGc, type GcResult } from '../../engine/gc/runGc.js';
import type { CliContext } from '../cliContext.js';
import { formatBytes } from '../ui/formatQuantity.js';

const USAGE = 'usage: kfm gc [--dry-run] [--keep-last <n>] [--json]';
const REASONS: readonly (GcReason | 'temp')[] = ['unreferenced', 'dropped-version', 'temp'];

/**
 * `kfm gc [--dry-run] [--keep-last <n>]`: removes the store objects nothing live names (see
 * engine/gc/liveDigests.ts) and orphaned temp files; says what it freed per reason. Exit 0.
 */
export async function gcCommand(cli: CliContext): Promise<number> {
  if (cli.positionals.length > 0) throw new KfmError('usage', `kfm gc takes no targets (${USAGE})`);
  let keepLast: number | undefined;
  if (cli.keepLast !== undefined) {
    keepLast = Number(cli.keepLast);
    if (!/^[0-9]+$/.test(cli.keepLast) || !Number.isSafeInteger(keepLast) || keepLast < 1) throw new KfmError('usage', `--keep-last needs a positive integer (got "${cli.keepLast}")`);
  }
  const dryRun = cli.dryRun ?? false;
  const result = await runGc(locateProject(cli.project), { dryRun, keepLast, onLockWait: (holder) => cli.err(`kfm: waiting for the project lock held by ${holder}\n`) });
  const reasons = byReason(result);
  const freedBytes = reasons.reduce((n, r) => n + r.bytes, 0);
  if (cli.reporter === 'json') {
    const report = {
      kfm_gc_report_version: GC_REPORT_VERSION,
      dry_run: dryRun,
      keep_last: keepLast ?? null,
      checked: result.plan.checked,
      freed: { objects: result.removed.length, temp_files: result.temp.files, bytes: freedBytes, human: formatBytes(freedBytes) },
      reasons,
      objects: result.removed,
      versions: result.plan.versions,
    };
    cli.out(JSON.stringify(report, null, 2) + '\n');
    return 0;
  }
  const verb = dryRun ? 'would remove' : 'removed';
  for (const v of result.plan.versions) if (!v.retained) cli.out(`dropped  ${v.dataset_slug}@${v.dataset_version_id} (${v.status}, beyond the ${keepLast} most recent)\n`);
  for (const o of result.removed) cli.out(`${verb} ${o.digest} ${formatBytes(o.size)} (${o.reason})\n`);
  for (const r of reasons) if (r.objects > 0) cli.out(`  ${r.reason.padEnd(16)} ${r.objects} ${r.reason === 'temp' ? 'file' : 'object'}${r.objects === 1 ? '' : 's'}, ${r.human}\n`);
  const c = result.plan.checked;
  const what = `${result.removed.length} object${result.removed.length === 1 ? '' : 's'}${result.temp.files > 0 ? ` and ${result.temp.files} temp file${result.temp.files === 1 ? '' : 's'}` : ''}`;
  const scope = `${c.objects} store object${c.objects === 1 ? '' : 's'}, ${c.live} live`;
  if (dryRun) cli.out(`gc --dry-run: would free ${formatBytes(freedBytes)} (${what}) of ${scope}; nothing removed\n`);
  else cli.out(`gc freed ${formatBytes(freedBytes)} (${what}) of ${scope}\n`);
  return 0;
}

/** Objects and bytes per reason, every reason listed (temp: the store's orphaned temp files). */
function byReason(result: GcResult): { reason: GcReason | 'temp'; objects: number; bytes: number; human: string }[] {
  return REASONS.map((reason) => {
    const objects = reason === 'temp' ? result.temp.files : result.removed.filter((o) => o.reason === reason).length;
    const bytes = reason === 'temp' ? result.temp.bytes : result.removed.filter((o) => o.reason === reason).reduce((n, o) => n + o.size, 0);
    return { reason, objects, bytes, human: formatBytes(bytes) };
  });
}
