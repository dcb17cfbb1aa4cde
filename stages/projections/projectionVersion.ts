/**
 * The format of every projection kfm writes (`kfm_projection_version`): the SQLite and
 * PostGIS schemas' `meta` row and the tile archives' metadata. A target holding another
 * version is refused, not migrated: projections are rebuilt, never upgraded in place.
 */
export const PROJECTION_VERSION = 'v1';
