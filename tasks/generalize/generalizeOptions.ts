/**
 * What `generalize()` in a kfmfile takes (api/index.ts), and the params `kfm:generalize`
 * runs with. See core/generalization.ts for what each method writes.
 */
export interface GeneralizeOptions {
  /** Upstream tasks; default: `artifact` (and `admin_units.artifact`). */
  deps?: string[];
  /** The upstream node whose GeoJSON output is generalized, e.g. `transform` or `ks_places/transform`. */
  artifact: string;
  /** The output of that node, e.g. `sites.geojson`. */
  output: string;
  /**
   * `centroid_only`, `bounding_box_only`, `grid_aggregation_<n>` (n arc-seconds, dividing
   * 648000) or `dissolve_to_admin_unit`. Recorded in the receipt's parameters as
   * `generalization_method` (and from there in PROV).
   */
  method: string;
  /** The output written; default: `output`. */
  write?: string;
  /** The attributes that may be published (kept, or grouped by when aggregating). */
  properties?: string[];
  /** `dissolve_to_admin_unit`: the units, a Polygon/MultiPolygon GeoJSON output of an upstream node. */
  admin_units?: { artifact: string; output: string; id_field: string };
}

/** The task's params (what the receipt records): the options with `method` named `generalization_method`. */
export type GeneralizeParams = {
  artifact: string;
  output: string;
  generalization_method: string;
  write?: string;
  properties?: string[];
  admin_units?: { artifact: string; output: string; id_field: string };
};
