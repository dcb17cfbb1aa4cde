/**
 * The size rule of CONTRIBUTING.md ("Style"): a file of engine/ stays under 250 lines and a
 * function under 80, so each file holds one concept a reader can take in at once.
 */
import ts from 'typescript';
import type { LayerSource } from '../support/importLayers.js';

export const MAX_FILE_LINES = 250;
export const MAX_FUNCTION_LINES = 80;

export interface SizeViolation {
  file: string;
  line: number;
  /** The function's name (`Class.method`, `(anonymous)`), or `(file)` for the whole file. */
  name: string;
  lines: number;
}

/** Lines of a text: a final newline does not start another line. */
export function lineCount(text: string): number {
  if (text === '') return 0;
  const n = text.split('\n').length;
  return text.endsWith('\n') ? n - 1 : n;
}

function propertyName(name: ts.PropertyName | ts.BindingName | undefined, sf: ts.SourceFile): string | undefined {
  if (name === undefined) return undefined;
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) {
    return name.text;
  }
  return name.getText(sf);
}

/** What a reader calls a function: its own name, the variable or property it is assigned to, or its class and method. */
function functionName(node: ts.FunctionLikeDeclaration, sf: ts.SourceFile): string {
  const own = propertyName(node.name, sf);
  const parent = node.parent;
  const cls = ts.isClassLike(parent) ? (parent.name?.text ?? '(anonymous class)') : undefined;
  if (ts.isConstructorDeclaration(node)) return `${cls ?? '(class)'}.constructor`;
  if (own !== undefined) return cls === undefined ? own : `${cls}.${own}`;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    const assigned = propertyName(parent.name, sf);
    if (assigned !== undefined) return assigned;
  }
  return '(anonymous)';
}

/** Files over MAX_FILE_LINES and functions over MAX_FUNCTION_LINES, in file then line order. */
export function sizeViolations(files: readonly LayerSource[]): SizeViolation[] {
  const out: SizeViolation[] = [];
  for (const file of files) {
    const total = lineCount(file.text);
    if (total > MAX_FILE_LINES) out.push({ file: file.path, line: 1, name: '(file)', lines: total });
    const kind = file.path.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
    const sf = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true, kind);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
        const fn = node as ts.FunctionLikeDeclaration;
        const start = sf.getLineAndCharacterOfPosition(fn.getStart(sf)).line;
        const end = sf.getLineAndCharacterOfPosition(fn.getEnd()).line;
        const lines = end - start + 1;
        if (lines > MAX_FUNCTION_LINES) out.push({ file: file.path, line: start + 1, name: functionName(fn, sf), lines });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
}

/** `file:line name N lines`. */
export function formatSizeViolation(v: SizeViolation): string {
  return `${v.file}:${v.line} ${v.name} ${v.lines} lines`;
}
