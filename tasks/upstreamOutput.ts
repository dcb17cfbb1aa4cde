import type { TaskContext, UpstreamOutput } from 'kfm';

/** One named output of an upstream node, or an error that lists the outputs it does have. */
export function upstreamOutput(ctx: Pick<TaskContext, 'dep'>, node: string, name: string): UpstreamOutput {
  const outputs = ctx.dep(node);
  const found = outputs[name];
  if (found === undefined) {
    const names = Object.keys(outputs).sort();
    throw new Error(`${node} has no output "${name}"; it has: ${names.length > 0 ? names.join(', ') : '(none)'}`);
  }
  return found;
}
