export const HELP = `kfm: a build engine for governed geospatial data pipelines

Usage: kfm <command> [options] [targets]

Commands:
  build [target...]          build datasets (all when no target is named); exit 1 when a
                             task fails or a version's QA fails (recorded quarantined).
                             A task target (ks_counties/qa) builds that task and what it
                             needs, and records no version; -B/--force reruns the named
                             nodes even when cached
  watch [target...]          build, then rebuild on every change (kfm build --watch)
  plan [target...]           show what a build would run and why; runs nothing
  explain <target> [task]    (or explain <dataset>/<task>) why each node is dirty: the input, parameter, code or
                             upstream that changed, with old and new digests
  check [--update]           compare every dataset's spec_hash with registry/<slug>.json
                             and name the fields that drifted (exit 1); --update records
                             the current specs. Reads the kfmfile and task code only
  receipts verify [target]   verify the audit trail: hash chain, signatures by keys pinned
                             in kfm.trust.json, receipt schemas, store digests, receipt
                             files, the data/ tree and the registry with its anchors
                             (exit 1 on any problem; 3 when every problem is a receipt
                             file the ledger can give back: --repair writes them).
                             Anchors another ledger recorded (a fresh clone's view)
                             are notices, not problems
  receipts head              the ledger's head (seq, entry hash), to record elsewhere
  receipts trust list|add <pem file> [<owner>]
                             the public keys kfm.trust.json pins
  promote <dataset>@<dvid>   publish a built version, fail closed: gates A-G (identity,
                             licence, sensitivity, catalog, receipts, QA, spec-hash drift)
                             each answer PASS, ABSTAIN, DENY or ERROR; only all-PASS writes
                             the promotion manifest and a signed promote receipt and makes it
                             the registry's latest_version_id (a build only makes
                             candidates). Otherwise exit 1 and a signed denied-promotion
                             receipt; nothing moves
  approve <dataset>@<dvid> --role <role>
                             sign an approval of publishing the version into the audit
                             ledger (gate C asks for the roles kfm.policy.json names)
  validate <dataset>@<dvid>  the post-run checklist: schemas, cross-links, policy, spec-hash
                             drift, receipts and digests, ledger entry, lineage; each PASS
                             or FAIL with its reason (exit 1 on any FAIL)
  catalog <dataset>@<dvid>   generate the version's catalogs again (DCAT, STAC, PROV under
                             data/catalog/<slug>/<dvid>/, from its spec, checksums.json and
                             the receipts of the run that produced it), validate them
                             offline (kfm's JSON Schemas, SHACL, links, digests) and sign
                             a catalog receipt; exit 1 when validation fails. The same
                             records give the same bytes
  receipts show <seq|run_id> one ledger entry decoded: statement, subjects with digests,
                             the receipt, its signing key, whether it verifies, and its
                             place in the hash chain (exit 1 when it does not verify)
  status [target]            a dataset's versions: mode, status (candidate, published,
                             quarantined with its failed QA checks), receipts; * marks
                             the latest (the promoted one)
  log [target]               the audit ledger's entries: operation, mode, version, run;
                             -n/--limit <n> the most recent n, --since <date|span> (2026-12-01,
                             2026-12-01T09:30:00Z, 30m, 12h, 7d), --dataset <slug>
  graph [target...]          the task graph in build order (every dataset when none is
                             named): --format dot (default), mermaid, json or svg (svg
                             needs Graphviz's dot)
  fsck [--repair]            check stored bytes: every store object (re-hashed), every
                             node's latest outputs (present) and the data/ tree against
                             the store (exit 1 on any problem); --repair quarantines
                             corrupt objects and restores edited or missing data files
  init                       write a starter project here: kfmfile.ts, a task, a CSV,
                             .gitignore lines (never overwrites)
  gc [--keep-last <n>]       remove store objects nothing live names (latest node results,
                             receipts of retained versions, the registry, checksums.json)
                             and orphaned temp files; --dry-run lists them; --keep-last
                             retains per dataset the n most recent versions, always the
                             latest and every candidate or published one
  clean                      empty .kfm/'s rebuildable caches (scratch, snapshots, store
                             temp files, stat and import caches); --dry-run lists them
  rebuild <dataset>[@<dvid>] reload a published version's projections from its catalog
                             (--targets sqlite,search,postgis,tiles; default the
                             kfmfile's projections.targets, else sqlite,search,tiles),
                             check counts and extents against the catalog, sign a
                             rebuild receipt; --check compares only (exit 1 on drift)
  rollback <dataset> --to <dvid> --reason "<why>"
                             supersede the latest version and make an earlier published
                             one latest again, in the registry and every projection (one
                             swap each), with a signed rollback decision and receipt
  serve                      the read-only lineage API (/api/v1/lineage/status, datasets,
                             versions, receipts, DAGs, search, evidence, tiles) and the
                             lineage page at / on 127.0.0.1:8787 (--port, --host); restricted
                             data only with the operator token (KFM_SERVE_TOKEN)
  worker                     serve kfm build --executor queue: run queued tasks from
                             KFM_STATE's PostgreSQL queue on this machine (S3 store)
  completion bash|zsh        a shell completion script: source <(kfm completion bash)
  help [command]             this text, or one command's usage, options and examples
                             (the same as kfm <command> --help)

Targets: <dataset_slug>[@<slice>], e.g. ks_counties@2017. The slice (YYYY, YYYY-MM or
YYYY-MM-DD) names the dataset version; without one, the dataset's default slice is used.
build, plan, explain, watch and graph also take one task, <dataset_slug>[@<slice>]/<task>
(e.g. ks_counties/qa): that node and everything upstream of it, nothing downstream; such
a build records no dataset version (a version is the whole dataset's).
receipts verify, status and log also take <dataset_slug>@<dataset_version_id>; promote,
approve and validate take only that.

Options:
  -C, --directory <dir>      run as if started in <dir>
  -f, --file <path>          use this kfmfile instead of searching upwards for kfmfile.ts
  -j, --jobs <n>             tasks to run at once (default: the number of cores)
  -k, --keep-going           after a failure, let independent branches finish
      --json                 print one JSON document (same as --reporter json)
      --reporter <name>      ink: a live tree of datasets and tasks with progress bars
                             (default on a terminal, unless CI, NO_COLOR or TERM=dumb
                             is set); plain: one line per event (default otherwise);
                             json: one JSON document at the end
  -v, --verbose              also list cached nodes
      --expect <mode>        kfm build: fail (exit 1, nothing recorded for that dataset)
                             unless each versioned target is in this rerun mode: new,
                             retry, reprocess or backfill
      --actor <principal>    kfm build, promote, approve, catalog: who the receipts
                             name (default: the OS user)
      --role <role>          kfm build, promote, approve, catalog: the actor's role
                             in the receipts (default: operator; kfm approve needs it)
      --dry-run              kfm promote: run the gates and print them; write nothing
      --override             kfm promote: override a QA failure (gate F); needs --rationale
                             and --role of kfm.policy.json's qa.override_role (steward)
      --rationale <text>     kfm promote --override: why; recorded in the promote receipt
                             and the promotion manifest
      --update               kfm check: record the current spec hashes in registry/
      --repair               kfm receipts verify: first write back receipt files the
                             ledger holds but data/ lacks; kfm fsck: repair what it
                             can, say what to rebuild
      --head <entry hash>    kfm receipts verify: fail unless the ledger holds this entry
      --verify-determinism   kfm build: run every executed node a second time in a fresh
                             scratch directory and compare its outputs byte for byte;
                             exit 1 if any differs (unless its task says
                             nondeterministic: true); recorded in its run receipt
      --sample <n>           with --verify-determinism: check only n executed nodes
                             (the first n by node id)
  -B, --force                kfm build, plan, explain: run the nodes the targets name
                             (a task target's node, a dataset's nodes, every node when
                             none is named) even when cached; dependents rerun only if
                             those outputs change. The report's reason and the run
                             receipt record it (forced); not for watch mode. kfm
                             rebuild: check every target in full, even when current
  -n                         kfm build -n: the same as kfm plan (runs nothing);
                             kfm log -n <n>: the same as --limit <n>
      --format <f>           kfm graph: dot, mermaid, json or svg
      --limit <n>, --since <when>, --dataset <slug>
                             kfm log: filter the entries (see log above)
      --dry-run              kfm gc, clean: say what would be removed, remove nothing
      --keep-last <n>        kfm gc: per dataset, retain the n most recent versions
      --targets <list>       kfm rebuild: sqlite, search, postgis, tiles (comma-separated)
      --check                kfm rebuild: compare the targets with the catalog, write nothing
      --to <dvid>, --reason "<why>"
                             kfm rollback: the version to make latest again, and why
      --port <n>, --host <address>
                             kfm serve: where to listen (default 127.0.0.1:8787)
      --executor queue       kfm build: run the tasks on kfm worker processes through
                             PostgreSQL (KFM_STATE=postgres://…, KFM_STORE=s3://…);
                             this process commits every result and receipt
  -w, --watch                build, then watch the kfmfile, task code and inputs and
                             rebuild what a change affects, until Ctrl-C (--json: one
                             JSON report per line per cycle)
  -h, --help                 show help (kfm <command> --help: that command's)
  -V, --version              print kfm's version

Environment: KFM_STORE=s3://bucket/prefix (the content store), KFM_STATE=postgres://…
(state, ledger, lock, queue), KFM_CACHE=s3://bucket/prefix (a shared cache read on a miss:
only entries signed by a key pinned in kfm.trust.json are used; written only when this
machine's key is pinned, KFM_CACHE_WRITE=0: never), KFM_POSTGRES_URL (the PostGIS
projection), KFM_SERVE_TOKEN (kfm serve's operator token). README "Scale-out" has the rest.

Exit codes: 0 success; 1 a task or check failed; 2 usage or kfmfile error; 130 interrupted.
`;
