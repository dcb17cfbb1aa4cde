/**
 * Errors that cross module boundaries. A KfmError carries a stable code, a message meant
 * for the user, and where the problem is (a file, and a line and column when known).
 */
export type Result<T, E = KfmError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });

/** Where a problem is: `file:line:col`, or a file alone. */
export interface Location {
  file: string;
  line?: number;
  column?: number;
}

export function formatLocation(loc: Location): string {
  let s = loc.file;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.line !== undefined && loc.column !== undefined) s += `:${loc.column}`;
  return s;
}

/** Error codes. `usage` and `kfmfile` exit 2; `task` and `check` exit 1; `interrupted` exits 130. */
export type KfmErrorCode =
  | 'usage'
  | 'kfmfile'
  | 'state'
  | 'store'
  | 'lock'
  | 'task'
  | 'check'
  | 'interrupted';

export class KfmError extends Error {
  readonly code: KfmErrorCode;
  readonly location: Location | undefined;
  /** The node the problem belongs to (so its declaration can be located later). */
  readonly node: string | undefined;
  constructor(code: KfmErrorCode, message: string, location?: Location, node?: string) {
    super(message);
    this.name = 'KfmError';
    this.code = code;
    this.location = location;
    this.node = node;
  }

  /** The message as printed: `file:line:col: message` when a location is known. */
  get display(): string {
    return this.location ? `${formatLocation(this.location)}: ${this.message}` : this.message;
  }
}

export function exitCodeFor(code: KfmErrorCode): number {
  switch (code) {
    case 'usage':
    case 'kfmfile':
    case 'state':
    case 'lock':
      return 2;
    case 'task':
    case 'check':
    case 'store':
      return 1;
    case 'interrupted':
      return 130;
    default:
      return unreachable(code);
  }
}

export function unreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
