/**
 * The import specifiers of a JavaScript or TypeScript module: static imports, re-exports
 * and dynamic `import('literal')`. Parsed with swc, loaded only when a module's content is
 * new (results are cached by content digest).
 */
let swc: typeof import('@swc/core') | undefined;

export async function moduleImports(source: string, path: string): Promise<string[]> {
  swc ??= await import('@swc/core');
  const ts = /\.(ts|tsx|mts|cts)$/.test(path);
  const ast = swc.parseSync(source, ts ? { syntax: 'typescript', tsx: path.endsWith('.tsx') } : { syntax: 'ecmascript', jsx: false });
  const found = new Set<string>();
  walk(ast, (node) => {
    const type = node.type;
    if ((type === 'ImportDeclaration' || type === 'ExportAllDeclaration' || type === 'ExportNamedDeclaration') && node.source) {
      const src = node.source as { value?: unknown };
      if (typeof src.value === 'string' && !(node.typeOnly === true)) found.add(src.value);
    } else if (type === 'CallExpression' && (node.callee as { type?: string } | undefined)?.type === 'Import') {
      const arg = (node.arguments as { expression?: { type?: string; value?: unknown } }[] | undefined)?.[0]?.expression;
      if (arg?.type === 'StringLiteral' && typeof arg.value === 'string') found.add(arg.value);
    }
  });
  return [...found].sort();
}

type AstNode = Record<string, unknown> & { type?: string };

function walk(node: unknown, visit: (n: AstNode) => void): void {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const n = stack.pop();
    if (Array.isArray(n)) {
      for (const c of n) stack.push(c);
    } else if (n && typeof n === 'object') {
      const obj = n as AstNode;
      if (typeof obj.type === 'string') visit(obj);
      for (const key in obj) {
        if (key === 'span') continue;
        const v = obj[key];
        if (v && typeof v === 'object') stack.push(v);
      }
    }
  }
}
