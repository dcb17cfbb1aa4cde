/**
 * The nodes of a build's scope in the order they become ready: a node is ready once every
 * upstream node in scope has settled (its result is known). Nodes are handed out first in,
 * first out; a dependency outside the scope never settles, so its dependents never become ready.
 */
export class ReadyQueue {
  readonly #pending = new Map<string, number>();
  readonly #dependents = new Map<string, string[]>();
  readonly #ready: string[] = [];
  #head = 0;

  /** `scope` in build order; `depsOf` gives a node's upstream node ids. */
  constructor(scope: readonly string[], depsOf: (id: string) => readonly string[]) {
    const inScope = new Set(scope);
    for (const id of scope) {
      const deps = depsOf(id);
      this.#pending.set(id, deps.length);
      for (const d of deps) {
        if (!inScope.has(d)) continue;
        let list = this.#dependents.get(d);
        if (!list) this.#dependents.set(d, (list = []));
        list.push(id);
      }
    }
    for (const id of scope) if (this.#pending.get(id) === 0) this.#ready.push(id);
  }

  /** The next ready node, left in the queue (undefined when none is ready). */
  peek(): string | undefined {
    return this.#ready[this.#head];
  }

  /** Up to `n` ready nodes from the head on, in queue order, left in the queue. */
  ahead(n: number): string[] {
    return this.#ready.slice(this.#head, this.#head + n);
  }

  /** Removes the node `peek` returned. */
  take(): void {
    if (this.#head < this.#ready.length) this.#head++;
  }

  /** The node settled: each dependent whose last unsettled upstream it was becomes ready. */
  settle(id: string): void {
    for (const d of this.#dependents.get(id) ?? []) {
      const n = this.#pending.get(d)! - 1;
      this.#pending.set(d, n);
      if (n === 0) this.#ready.push(d);
    }
  }

  /** The nodes in scope that depend on `id` directly, in scope order. */
  dependentsOf(id: string): readonly string[] {
    return this.#dependents.get(id) ?? [];
  }
}
