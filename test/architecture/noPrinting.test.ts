/**
 * The engine never prints (CONTRIBUTING.md "Style"): core/, store/ and engine/ return
 * values, throw KfmErrors and emit events; only cli/ writes to the terminal.
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { readLayerSources, type LayerSource } from '../support/importLayers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SILENT = ['core/', 'store/', 'engine/'];

/** `file:line console.log` for each use of `console` or of `process.stdout`/`process.stderr`. */
function printing(files: readonly LayerSource[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const sf = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true);
    const at = (node: ts.Node) => `${file.path}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`;
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
        const what = `${node.expression.text}.${node.name.text}`;
        if (node.expression.text === 'console' || what === 'process.stdout' || what === 'process.stderr') {
          out.push(`${at(node)} ${what}`);
          return;
        }
      }
      // `console` itself, passed or destructured (not a property or key that happens to be named so).
      if (ts.isIdentifier(node) && node.text === 'console' && !isNameOnly(node)) out.push(`${at(node)} console`);
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out;
}

function isNameOnly(id: ts.Identifier): boolean {
  const p = id.parent;
  return (
    (ts.isPropertyAccessExpression(p) && p.name === id) ||
    ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p) || ts.isPropertySignature(p)) && p.name === id) ||
    (ts.isBindingElement(p) && p.propertyName === id)
  );
}

describe('no printing below cli/', () => {
  it('core/, store/ and engine/ never use console, process.stdout or process.stderr', () => {
    const files = readLayerSources(ROOT).filter((f) => SILENT.some((d) => f.path.startsWith(d)));
    expect(files.length).toBeGreaterThan(100);
    expect(printing(files).join('\n')).toBe('');
  });

  it('finds each use, and not a mention in a string or comment', () => {
    const text = [
      "// console.log('not code')",
      "const s = 'process.stdout';",
      "console.warn('x');",
      "process.stderr.write('y');",
      'const { log } = console;',
    ].join('\n');
    expect(printing([{ path: 'engine/x/y.ts', text: `${text}\nconst o = { console: 1 };\no.console;` }])).toEqual([
      'engine/x/y.ts:3 console.warn',
      'engine/x/y.ts:4 process.stderr',
      'engine/x/y.ts:5 console',
    ]);
  });
});
