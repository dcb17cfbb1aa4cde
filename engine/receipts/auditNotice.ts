/**
 * Something `kfm receipts verify` found but cannot check here, which is not a problem: an
 * anchor (and what it vouches for: receipts, a promotion) that another ledger recorded, as a
 * fresh clone sees the versions the checkout it came from recorded. Reported, never a failure.
 */
export interface AuditNotice {
  notice: string;
  /** The file concerned, relative to the project root (a registry file). */
  file?: string;
}
