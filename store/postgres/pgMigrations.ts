import { GENESIS_HASH } from '../ledger/ledger.js';

/**
 * The kfm schema version this kfm writes in PostgreSQL (`kfm_schema`, component `kfm`).
 * Older schemas migrate forward when a database is first used (store/postgres/pgDatabase.ts);
 * a newer one is refused. Like the SQLite migrations (store/state.ts,
 * store/ledger/sqliteLedger.ts): one entry per step, `PG_MIGRATIONS[v]` takes v to v + 1,
 * and a step, once released, is never edited (a change is a new step).
 *
 * Version 1 holds what SQLite state schema 3 and ledger schema 1 hold, minus the local caches
 * (stat cache, parsed imports), which stay in each machine's `.kfm/state.db`. Text columns
 * keep JSON and timestamps byte for byte as kfm wrote them (no jsonb, no timestamptz: both
 * would rewrite what is read back). `ord` columns order rows as recorded.
 */
export const PG_SCHEMA_VERSION = 1;

export const PG_MIGRATIONS: string[] = [
  // 0 → 1
  `
  CREATE TABLE kfm_results (
    key TEXT PRIMARY KEY,
    node_id TEXT NOT NULL,
    key_doc TEXT NOT NULL,
    outputs TEXT NOT NULL,
    outputs_digest TEXT NOT NULL,
    meta TEXT NOT NULL,
    run_id TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    duration_ms INTEGER NOT NULL
  );
  CREATE TABLE kfm_latest (node_id TEXT PRIMARY KEY, key TEXT NOT NULL REFERENCES kfm_results(key));
  CREATE TABLE kfm_runs (
    run_id TEXT PRIMARY KEY,
    ord BIGSERIAL NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    targets TEXT NOT NULL,
    jobs INTEGER NOT NULL,
    status TEXT NOT NULL
  );
  CREATE TABLE kfm_run_nodes (
    run_id TEXT NOT NULL REFERENCES kfm_runs(run_id),
    node_id TEXT NOT NULL,
    status TEXT NOT NULL,
    key TEXT,
    error TEXT,
    PRIMARY KEY (run_id, node_id)
  );
  CREATE TABLE kfm_versions (
    dataset_version_id TEXT NOT NULL,
    dataset_slug TEXT NOT NULL,
    ord BIGSERIAL NOT NULL,
    slice TEXT NOT NULL,
    spec_hash TEXT NOT NULL,
    inputs_digest TEXT NOT NULL,
    outputs_digest TEXT NOT NULL,
    run_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    spec_document TEXT,
    task_code TEXT,
    raw_inputs TEXT,
    mode TEXT,
    mode_reason TEXT,
    failed_checks TEXT,
    PRIMARY KEY (dataset_slug, dataset_version_id)
  );
  CREATE INDEX kfm_versions_slice ON kfm_versions (dataset_slug, slice);

  CREATE TABLE kfm_ledger_entries (
    seq BIGINT PRIMARY KEY,
    prev_hash TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    kind TEXT NOT NULL,
    dataset_slug TEXT,
    dataset_version_id TEXT,
    run_id TEXT,
    envelope TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX kfm_ledger_dataset ON kfm_ledger_entries (dataset_slug, dataset_version_id);
  CREATE INDEX kfm_ledger_run ON kfm_ledger_entries (run_id);
  CREATE FUNCTION kfm_ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'the audit ledger is append-only: entries cannot be %', CASE TG_OP WHEN 'UPDATE' THEN 'updated' WHEN 'DELETE' THEN 'deleted' ELSE 'truncated' END;
  END $$;
  CREATE TRIGGER kfm_ledger_no_update BEFORE UPDATE ON kfm_ledger_entries FOR EACH ROW EXECUTE FUNCTION kfm_ledger_refuse_change();
  CREATE TRIGGER kfm_ledger_no_delete BEFORE DELETE ON kfm_ledger_entries FOR EACH ROW EXECUTE FUNCTION kfm_ledger_refuse_change();
  CREATE TRIGGER kfm_ledger_no_truncate BEFORE TRUNCATE ON kfm_ledger_entries FOR EACH STATEMENT EXECUTE FUNCTION kfm_ledger_refuse_change();
  CREATE FUNCTION kfm_ledger_extend_chain() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    head_seq BIGINT;
    head_hash TEXT;
  BEGIN
    SELECT seq, entry_hash INTO head_seq, head_hash FROM kfm_ledger_entries ORDER BY seq DESC LIMIT 1;
    IF NEW.seq IS DISTINCT FROM COALESCE(head_seq, 0) + 1 OR NEW.prev_hash IS DISTINCT FROM COALESCE(head_hash, '${GENESIS_HASH}') THEN
      RAISE EXCEPTION 'the audit ledger is append-only: a new entry must follow the last one';
    END IF;
    RETURN NEW;
  END $$;
  CREATE TRIGGER kfm_ledger_extend_chain BEFORE INSERT ON kfm_ledger_entries FOR EACH ROW EXECUTE FUNCTION kfm_ledger_extend_chain();

  CREATE TABLE kfm_lock_holder (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    backend_pid INTEGER NOT NULL,
    command TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    started_at TEXT NOT NULL
  );
  `,
];
