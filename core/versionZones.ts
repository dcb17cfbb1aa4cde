/**
 * The zones under data/ that hold a dataset version's files and its checksums.json:
 * `processed/<slug>/<dvid>/`, or `quarantine/<slug>/<dvid>/` for a version whose QA failed
 * (only a steward's `kfm promote --override` catalogues and publishes it from there, in place).
 */
export const VERSION_ZONES = ['processed', 'quarantine'] as const;
export type VersionZone = (typeof VERSION_ZONES)[number];
