import { canonicalJson } from '../../core/canonicalJson.js';
import type { TaskContext, TaskFunction } from '../../engine/schedule/taskContext.js';
import { compareCodePoints } from '../../core/fs.js';
import type { MemoryFileSystem } from './memoryFileSystem.js';

/**
 * Deterministic text tasks for engine tests. Inputs are read from the memory file system
 * (their `absPath` is the memory path); upstream outputs from the real content store.
 */

/** Every upstream output as `[label, text]`, in dependency then output-name order. */
export async function upstreamTexts(ctx: TaskContext): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const dep of Object.keys(ctx.upstream).sort(compareCodePoints)) {
    const outputs = ctx.upstream[dep]!;
    for (const name of Object.keys(outputs).sort(compareCodePoints)) {
      out.push([`${dep}:${name}`, await outputs[name]!.text()]);
    }
  }
  return out;
}

/** `out.txt`: the node id, its params, every input and every upstream output, verbatim. */
export function concatTask(fs: MemoryFileSystem): TaskFunction {
  return async (ctx) => {
    const parts = [`# ${ctx.id} ${canonicalJson(ctx.params)}`];
    for (const input of ctx.inputs) parts.push(`## ${input.path}`, fs.contentOf(input.absPath).toString('utf8'));
    for (const [label, text] of await upstreamTexts(ctx)) parts.push(`## ${label}`, text);
    await ctx.output('out.txt', `${parts.join('\n')}\n`, 'text/plain');
  };
}

/** `count.txt`: only the number of lines of its inputs and upstream outputs (a lossy summary). */
export function lineCountTask(fs: MemoryFileSystem): TaskFunction {
  return async (ctx) => {
    let lines = 0;
    const count = (text: string) => (lines += text.split('\n').filter((l) => l !== '').length);
    for (const input of ctx.inputs) count(fs.contentOf(input.absPath).toString('utf8'));
    for (const [, text] of await upstreamTexts(ctx)) count(text);
    await ctx.output('count.txt', `lines: ${lines}\n`, 'text/plain');
  };
}
