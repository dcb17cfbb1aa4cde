import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  folderCycles,
  formatViolation,
  importSites,
  layerViolations,
  readLayerSources,
  type LayerSource,
} from '../support/importLayers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('import direction (docs/DESIGN.md "Layers")', () => {
  it('no import of kfm source runs back up a layer', () => {
    const sources = readLayerSources(ROOT);
    expect(sources.length).toBeGreaterThan(100);
    expect(sources.some((s) => s.path.endsWith('.test.ts'))).toBe(false);
    const messages = layerViolations(sources).map(formatViolation);
    expect(messages.join('\n')).toBe('');
  });
});

describe('the layer checker', () => {
  const files: LayerSource[] = [
    { path: 'core/digest.ts', text: "import { createHash } from 'node:crypto';\nexport const d = 1;\n" },
    { path: 'core/json.ts', text: "import type { Digest } from './digest.js';\nexport type J = Digest;\n" },
    {
      path: 'store/state.ts',
      text: [
        "import { d } from '../core/digest.js';",
        "import type { Graph } from '../engine/graph/graph.js';",
        'export const s = d;',
      ].join('\n'),
    },
    { path: 'engine/graph/graph.ts', text: "export * from '../../core/json.js';\nexport interface Graph {}\n" },
    {
      path: 'engine/plan/planner.ts',
      text: [
        "import { s } from '../../store/state.js';",
        "import type { Graph } from '../graph/graph.js';",
        '',
        "export async function load(): Promise<unknown> { return import('../../cli/kfm.js'); }",
        "export type Ui = typeof import('../../api/index.js');",
      ].join('\n'),
    },
    { path: 'tasks/clean.ts', text: "import type { TaskContext } from 'kfm';\nimport { g } from '../engine/graph/graph.js';\n" },
    { path: 'stages/promotion/promote.ts', text: "import { compareCodePoints } from 'kfm';\n" },
    { path: 'cli/kfm.ts', text: "import { load } from '../engine/plan/planner.js';\nexport { task } from '../api/index.js';\n" },
    { path: 'api/index.ts', text: "export { compareCodePoints } from '../core/compareCodePoints.js';\n" },
  ];

  it('reports each backward import as file:line imports target (layer A → layer B)', () => {
    expect(layerViolations(files).map(formatViolation)).toEqual([
      'engine/plan/planner.ts:4 imports cli/kfm.ts (layer 2 engine → layer 4 cli)',
      'engine/plan/planner.ts:5 imports api/index.ts (layer 2 engine → layer 4 api)',
      'stages/promotion/promote.ts:1 imports kfm (layer 3 stages → layer 4 api)',
      'store/state.ts:2 imports engine/graph/graph.ts (layer 1 store → layer 2 engine)',
    ]);
  });

  it('reads static, re-export, type-only, dynamic and typeof-import specifiers', () => {
    const text = [
      "import a from './a.js';",
      "import type { B } from './b.js';",
      "export { c } from './c.js';",
      "export * as d from './d.js';",
      "const e = await import('./e.js');",
      "type F = typeof import('./f.js');",
      "const g = import(name);",
      "const h = 'import(\"./h.js\")';",
    ].join('\n');
    expect(importSites('x/y.ts', text).map((s) => `${s.line} ${s.kind} ${s.specifier}`)).toEqual([
      '1 import ./a.js',
      '2 import ./b.js',
      '3 export ./c.js',
      '4 export ./d.js',
      '5 dynamic ./e.js',
      '6 type ./f.js',
    ]);
  });

  it('finds cycles among the folders of a layer', () => {
    const cyclic: LayerSource[] = [
      { path: 'engine/a/one.ts', text: "import { b } from '../b/two.js';\n" },
      { path: 'engine/b/two.ts', text: "import { c } from '../c/three.js';\n" },
      { path: 'engine/c/three.ts', text: "import { a } from '../a/one.js';\n" },
      { path: 'engine/d/four.ts', text: "import { a } from '../a/one.js';\n" },
    ];
    expect(folderCycles(cyclic, 'engine')).toEqual([['engine/a', 'engine/b', 'engine/c']]);
    expect(folderCycles(files, 'engine')).toEqual([]);
  });
});
