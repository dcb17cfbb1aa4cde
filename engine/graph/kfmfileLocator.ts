import { relative } from 'node:path';
import { callSiteIn } from '../load/callSite.js';
import { KfmError, type Location } from '../../core/error.js';

/**
 * Where declarations in a kfmfile are, for messages about them: a call site captured at a
 * declaration becomes a location in the kfmfile, shown relative to the working directory.
 */
export class KfmfileLocator {
  readonly kfmfile: string;
  /** The kfmfile as messages show it: relative to the working directory when inside it. */
  readonly shownFile: string;

  constructor(kfmfile: string) {
    this.kfmfile = kfmfile;
    const rel = relative(process.cwd(), kfmfile);
    this.shownFile = rel === '' || rel.startsWith('..') ? kfmfile : rel;
  }

  /** The declaration's location, when its call site was captured (see `setCallSiteCapture`). */
  siteOf(site: Error | undefined): Location | undefined {
    return callSiteIn(site, this.kfmfile, this.shownFile);
  }

  /** The declaration's location, or the kfmfile alone. */
  where(site: Error | undefined): Location {
    return this.siteOf(site) ?? { file: this.shownFile };
  }

  /** A problem with the declaration made at `site`: a KfmError (exit 2) located there. */
  fail(message: string, site: Error | undefined): never {
    throw new KfmError('kfmfile', message, this.where(site));
  }

  /** ` (first declared at file:line:col)` for a duplicate's message; nothing when the first is not located. */
  firstDeclaredAt(loc: Location | undefined): string {
    if (!loc) return '';
    return ` (first declared at ${loc.line !== undefined ? `${loc.file}:${loc.line}:${loc.column ?? 1}` : loc.file})`;
  }
}
