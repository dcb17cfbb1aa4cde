import { describe, expect, it } from 'vitest';
import { ReadyQueue } from '../../engine/schedule/readyQueue.js';

/** Takes every ready node in order. */
function drain(q: ReadyQueue): string[] {
  const out: string[] = [];
  for (let id = q.peek(); id !== undefined; id = q.peek()) {
    out.push(id);
    q.take();
  }
  return out;
}

describe('ReadyQueue', () => {
  // a → c, b → c, c → d, a → d (scope in build order)
  const deps: Record<string, string[]> = { a: [], b: [], c: ['a', 'b'], d: ['c', 'a'] };
  const queue = () => new ReadyQueue(['a', 'b', 'c', 'd'], (id) => deps[id]!);

  it('starts with the nodes that have no upstream, in scope order', () => {
    expect(drain(queue())).toEqual(['a', 'b']);
  });

  it('peek leaves the node in the queue until take', () => {
    const q = queue();
    expect(q.peek()).toBe('a');
    expect(q.peek()).toBe('a');
    q.take();
    expect(q.peek()).toBe('b');
  });

  it('a node becomes ready when its last upstream settles, once', () => {
    const q = queue();
    drain(q);
    q.settle('a');
    expect(q.peek()).toBeUndefined();
    q.settle('b');
    expect(drain(q)).toEqual(['c']);
    q.settle('c');
    expect(drain(q)).toEqual(['d']);
    expect(q.peek()).toBeUndefined();
    q.take(); // nothing to take: no effect
    expect(q.peek()).toBeUndefined();
  });

  it('hands out ready nodes first in, first out, after those already waiting', () => {
    const q = new ReadyQueue(['a', 'b', 'x', 'y'], (id) => ({ a: [], b: [], x: ['a'], y: ['a'] })[id]!);
    q.take(); // a
    q.settle('a');
    expect(drain(q)).toEqual(['b', 'x', 'y']);
  });

  it('lists direct dependents in scope order, and ignores dependencies outside the scope', () => {
    const q = queue();
    expect(q.dependentsOf('a')).toEqual(['c', 'd']);
    expect(q.dependentsOf('c')).toEqual(['d']);
    expect(q.dependentsOf('d')).toEqual([]);
    const partial = new ReadyQueue(['c'], (id) => deps[id]!);
    expect(partial.peek()).toBeUndefined();
    expect(partial.dependentsOf('a')).toEqual([]);
  });
});
