import { userInfo } from 'node:os';

/** Who a receipt says ran an operation. */
export interface Actor {
  principal: string;
  role: string;
}

/** `--actor` (default: the OS user) and `--role` (default: `operator`). */
export function actorOf(options: { principal?: string | undefined; role?: string | undefined } = {}): Actor {
  let user: string | undefined;
  if (!options.principal) {
    try {
      user = userInfo().username;
    } catch {
      user = undefined;
    }
  }
  return { principal: options.principal || user || process.env['USER'] || 'unknown', role: options.role || 'operator' };
}
