import { analyze } from '../graph/analyze.js';
import { setCallSiteCapture } from './callSite.js';
import { KfmError } from '../../core/error.js';
import type { Graph } from '../graph/graph.js';
import { loadKfmfile } from './loadKfmfile.js';

/**
 * Loads the kfmfile again with call-site capture on (see engine/load/callSite.ts) and returns
 * the graph whose declarations carry their locations, or the located error its analysis
 * throws. Only on error paths: a kfmfile is loaded without capture otherwise.
 */
export async function loadWithCallSites(kfmfile: string): Promise<Graph | KfmError> {
  setCallSiteCapture(true);
  try {
    const config = await loadKfmfile(kfmfile, { fresh: true });
    return analyze(config, kfmfile);
  } catch (e) {
    if (e instanceof KfmError) return e;
    throw e;
  } finally {
    setCallSiteCapture(false);
  }
}

/** A kfmfile error about a node, given the location of the node's declaration if it lacked one. */
export async function locateError(error: KfmError, kfmfile: string): Promise<KfmError> {
  if (error.code !== 'kfmfile' || error.location || error.node === undefined) return error;
  const graph = await loadWithCallSites(kfmfile);
  if (graph instanceof KfmError) return error;
  const at = graph.nodes.get(error.node)?.declaredAt;
  return at ? new KfmError(error.code, error.message, at, error.node) : error;
}
