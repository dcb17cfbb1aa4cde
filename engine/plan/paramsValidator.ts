import type { ValidateFunction } from 'ajv';
import { relative } from 'node:path';
import { KfmError } from '../../core/error.js';
import { importTaskModule } from '../schedule/executeJob.js';
import type { Graph } from '../graph/graph.js';
import type { Planner } from './planner.js';

/**
 * Checks a node's params against the JSON Schema its task module exports as
 * `paramsSchema` (ajv). Modules without one accept any JSON params. Loaded lazily: a build
 * where nothing runs never imports ajv or a task module.
 */
export function paramsValidator(graph: Graph, planner: Planner): (nodeId: string) => Promise<void> {
  const compiled = new Map<string, Promise<ValidateFunction | null>>();
  const compile = async (modulePath: string, codeDigest: string): Promise<ValidateFunction | null> => {
    let mod: { paramsSchema?: unknown };
    try {
      mod = (await importTaskModule({ modulePath, codeDigest })) as { paramsSchema?: unknown };
    } catch (e) {
      throw new KfmError('kfmfile', `cannot load task module ${shown(graph, modulePath)}: ${(e as Error).message}`);
    }
    if (mod.paramsSchema === undefined) return null;
    const { Ajv } = await import('ajv');
    const ajv = new Ajv({ allErrors: true, strict: false });
    try {
      return ajv.compile(mod.paramsSchema as object);
    } catch (e) {
      throw new KfmError('kfmfile', `the paramsSchema of ${shown(graph, modulePath)} is not a valid JSON Schema: ${(e as Error).message}`);
    }
  };
  return async (nodeId) => {
    const node = graph.nodes.get(nodeId)!;
    const { codeDigest } = planner.staticParts(nodeId);
    let p = compiled.get(node.modulePath);
    if (!p) compiled.set(node.modulePath, (p = compile(node.modulePath, codeDigest)));
    const validate = await p;
    if (!validate || validate(node.params)) return;
    const problems = (validate.errors ?? [])
      .map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : ''}`)
      .join('; ');
    throw new KfmError('kfmfile', `params of task "${nodeId}" do not match the schema of ${node.run}: ${problems}`, node.declaredAt, nodeId);
  };
}

function shown(graph: Graph, path: string): string {
  const rel = relative(graph.root, path);
  return rel.startsWith('..') ? path : rel;
}
