import { compareCodePoints } from '../../core/fs.js';

/**
 * The first dependency cycle found, as a closed path (`[a, b, a]`), or undefined.
 * Iterative DFS in code-point order, so the cycle reported is always the same one.
 */
export function detectCycle(nodes: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = done
  const ids = [...nodes.keys()].sort(compareCodePoints);
  for (const start of ids) {
    if (state.has(start)) continue;
    const stack: { id: string; next: number; deps: string[] }[] = [];
    const push = (id: string) => {
      state.set(id, 1);
      stack.push({ id, next: 0, deps: [...(nodes.get(id) ?? [])].sort(compareCodePoints) });
    };
    push(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next >= top.deps.length) {
        state.set(top.id, 2);
        stack.pop();
        continue;
      }
      const dep = top.deps[top.next++]!;
      const s = state.get(dep);
      if (s === 1) {
        const from = stack.findIndex((f) => f.id === dep);
        return [...stack.slice(from).map((f) => f.id), dep];
      }
      if (s === undefined && nodes.has(dep)) push(dep);
    }
  }
  return undefined;
}
