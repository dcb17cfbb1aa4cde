/**
 * A value, or a promise of one: what a seam method returns when its local implementation
 * has always answered synchronously (SQLite, the file store) and today's callers still call
 * it that way. Callers of the seam always `await` it; a remote implementation (PostgreSQL,
 * S3) and the in-memory fakes return Promises. Once no caller reads the local classes
 * synchronously, these tighten to `Promise<T>` without touching a caller.
 */
export type Awaitable<T> = T | Promise<T>;
