import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readLayerSources } from '../support/importLayers.js';
import { formatSizeViolation, lineCount, MAX_FILE_LINES, MAX_FUNCTION_LINES, sizeViolations } from './sizeViolations.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe(`engine/ size: files ≤ ${MAX_FILE_LINES} lines, functions ≤ ${MAX_FUNCTION_LINES}`, () => {
  it('no file or function of engine/ is over its limit', () => {
    const engine = readLayerSources(ROOT).filter((s) => s.path.startsWith('engine/'));
    expect(engine.length).toBeGreaterThan(50);
    expect(sizeViolations(engine).map(formatSizeViolation).join('\n')).toBe('');
  });
});

describe('the size checker', () => {
  const body = (n: number): string => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');

  it('reports long files and functions as file:line name N lines', () => {
    const over = MAX_FUNCTION_LINES + 1;
    const lines = [
      'export function short(): void {',
      body(3),
      '}',
      'export function tooLong(): void {', // 6
      body(over - 2),
      '}',
      'export class Store {',
      '  constructor() {',
      body(MAX_FUNCTION_LINES - 2),
      '  }',
      '  get(): void {',
      body(over - 2),
      '  }',
      '}',
      'export const handler = async (): Promise<void> => {',
      body(over - 2),
      '};',
      '',
    ].join('\n');
    const tooLongAt = 6;
    const constructorAt = tooLongAt + over + 1;
    const getAt = constructorAt + MAX_FUNCTION_LINES;
    const handlerAt = getAt + over + 1;
    const files = [
      { path: 'engine/b/long.ts', text: lines },
      { path: 'engine/a/big.ts', text: 'export const x = 1;\n'.repeat(MAX_FILE_LINES + 1) },
      { path: 'engine/a/full.ts', text: 'export const x = 1;\n'.repeat(MAX_FILE_LINES) },
    ];
    expect(sizeViolations(files).map(formatSizeViolation)).toEqual([
      `engine/a/big.ts:1 (file) ${MAX_FILE_LINES + 1} lines`,
      `engine/b/long.ts:1 (file) ${lineCount(lines)} lines`,
      `engine/b/long.ts:${tooLongAt} tooLong ${over} lines`,
      `engine/b/long.ts:${getAt} Store.get ${over} lines`,
      `engine/b/long.ts:${handlerAt} handler ${over} lines`,
    ]);
  });

  it('counts lines as an editor does', () => {
    expect(lineCount('')).toBe(0);
    expect(lineCount('a')).toBe(1);
    expect(lineCount('a\n')).toBe(1);
    expect(lineCount('a\nb')).toBe(2);
  });
});
