import { afterAll, beforeAll, it } from 'vitest';
import { postgresUnavailable, startPostgres, type PostgresCluster } from '../../support/postgres.js';

/**
 * The PostgreSQL subjects of the contract suites: one throwaway cluster per test file
 * (test/support/postgres.ts), a fresh database per subject. `usePostgres()` at a file's top
 * level starts and stops it; where PostgreSQL is not installed the subjects are left out
 * and one skipped test says why (in CI, `postgresUnavailable` throws instead: they must run).
 */
export const postgresSkipped: string | undefined = postgresUnavailable();

let cluster: PostgresCluster | undefined;
let databases = 0;

export function usePostgres(): void {
  if (postgresSkipped) {
    it.skip(`PostgreSQL subjects: ${postgresSkipped}`, () => undefined);
    return;
  }
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 120_000);
  afterAll(() => cluster?.stop());
}

/** A new, empty database in the file's cluster: its URL. */
export function freshDatabase(): string {
  if (!cluster) throw new Error('usePostgres() was not called in this file');
  return cluster.createDatabase(`contract_${databases++}`);
}
