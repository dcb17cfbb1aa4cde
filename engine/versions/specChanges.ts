import { diffEntries } from '../../core/diffEntries.js';
import { diffJsonPointers, type JsonChange } from '../../core/diffJsonPointers.js';
import type { Digest } from '../../core/digest.js';
import { isJsonObject, type Json, type JsonObject } from '../../core/json.js';
import type { TaskCode } from '../../core/spec.js';
import { compareCodePoints } from '../../core/compareCodePoints.js';

/**
 * One difference between two spec-hash documents (engine/versions/specHash.ts), as a JSON pointer
 * into them: `/spec/validation/checks/3/threshold`, `/tasks/2/params/checks/3/threshold`,
 * `/tasks/2/code`. Tasks are matched by name, so adding a task does not renumber the
 * changes of the others: a changed task is pointed at by its index now, a removed one by
 * its index then.
 */
export interface SpecChange extends JsonChange {
  /** For `/tasks/<i>/code`: the code files (project-relative, or `kfm:` built-ins) that changed, appeared or went. */
  files?: string[];
}

/** The differences between a recorded spec-hash document and the current one. */
export function specChanges(old: { document: Json; taskCode?: TaskCode | null }, now: { document: Json; taskCode?: TaskCode | null }): SpecChange[] {
  const a = asObject(old.document);
  const b = asObject(now.document);
  if (!a || !b) return diffJsonPointers(old.document, now.document);
  const out: SpecChange[] = [];
  const { tasks: oldTasks, ...oldRest } = a;
  const { tasks: newTasks, ...newRest } = b;
  out.push(...diffJsonPointers(oldRest, newRest));
  const before = taskList(oldTasks);
  const after = taskList(newTasks);
  if (!before || !after) {
    out.push(...diffJsonPointers(oldTasks, newTasks, '/tasks'));
    return sortChanges(out);
  }
  const oldIndex = new Map(before.map((t, i) => [t.name, i]));
  const newNames = new Set(after.map((t) => t.name));
  after.forEach((t, i) => {
    const j = oldIndex.get(t.name);
    if (j === undefined) {
      out.push({ pointer: `/tasks/${i}`, new: t.task });
      return;
    }
    for (const c of diffJsonPointers(before[j]!.task, t.task, `/tasks/${i}`)) {
      if (c.pointer === `/tasks/${i}/code`) {
        const files = codeFileChanges(old.taskCode?.[t.name], now.taskCode?.[t.name]);
        out.push(files.length > 0 ? { ...c, files } : c);
      } else {
        out.push(c);
      }
    }
  });
  before.forEach((t, j) => {
    if (!newNames.has(t.name)) out.push({ pointer: `/tasks/${j}`, old: t.task });
  });
  return sortChanges(out);
}

/** `pointer: old → new` for people; a code change names its files, an added or removed task says so. */
export function describeSpecChange(c: SpecChange): string {
  if (c.files) return `${c.pointer}: task code changed (${c.files.join(', ')})`;
  if (c.old === undefined) return `${c.pointer}: added${isTask(c.pointer) ? ` (task ${taskName(c.new)})` : ` (${short(c.new)})`}`;
  if (c.new === undefined) return `${c.pointer}: removed${isTask(c.pointer) ? ` (task ${taskName(c.old)})` : ` (was ${short(c.old)})`}`;
  return `${c.pointer}: ${short(c.old)} → ${short(c.new)}`;
}

function codeFileChanges(old: [string, Digest][] | undefined, now: [string, Digest][] | undefined): string[] {
  if (!old || !now) return [];
  return diffEntries(old, now).map((c) => (c.old === undefined ? `${c.key} added` : c.new === undefined ? `${c.key} removed` : c.key));
}

function taskList(v: Json | undefined): { name: string; task: Json }[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: { name: string; task: Json }[] = [];
  for (const t of v) {
    const o = asObject(t);
    if (!o || typeof o.name !== 'string') return undefined;
    out.push({ name: o.name, task: t });
  }
  return out;
}

function asObject(v: Json | undefined): JsonObject | undefined {
  return isJsonObject(v) ? v : undefined;
}

const isTask = (pointer: string) => /^\/tasks\/\d+$/.test(pointer);

function taskName(v: Json | undefined): string {
  const o = asObject(v);
  return o && typeof o.name === 'string' ? JSON.stringify(o.name) : '?';
}

const MAX_SHOWN = 60;

function short(v: Json | undefined): string {
  const text = JSON.stringify(v) ?? 'undefined';
  return text.length <= MAX_SHOWN ? text : `${text.slice(0, MAX_SHOWN - 1)}…`;
}

/** By pointer, numbers compared as numbers (`/tasks/2` before `/tasks/10`). */
function sortChanges(changes: SpecChange[]): SpecChange[] {
  const key = (p: string) => p.split('/').map((s) => (/^\d+$/.test(s) ? s.padStart(10, '0') : s)).join('/');
  return changes.sort((x, y) => compareCodePoints(key(x.pointer), key(y.pointer)));
}
