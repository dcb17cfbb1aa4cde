/**
 * TEST ONLY. `KFM_TEST_SIGKILL_AFTER_RECEIPTS=<n>`: the process SIGKILLs itself right after
 * its n-th ledger append of one receipt batch, before any receipt file is written (what a
 * power cut or an OOM kill there leaves: ledger entries without files). Used by
 * test/e2e/receiptsRepair.test.ts to make that kill deterministic; unset, this does nothing.
 */
export function testKillHook(appended: number): void {
  const at = process.env['KFM_TEST_SIGKILL_AFTER_RECEIPTS'];
  if (at !== undefined && at !== '' && Number(at) === appended) process.kill(process.pid, 'SIGKILL');
}
