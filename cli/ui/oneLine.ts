// CSI sequences (colours, cursor moves) and OSC sequences (titles, hyperlinks).
// eslint-disable-next-line no-control-regex
const ANSI_RE = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]+/g;

/**
 * Text a task wrote, made safe to draw on one row: escape sequences removed, and line
 * breaks, tabs and other control characters turned into single spaces. A task's stray
 * `\r` or colour code would otherwise move Ink's cursor and break the frame.
 */
export function oneLine(text: string): string {
  return text.replace(ANSI_RE, '').replace(CONTROL_RE, ' ').trim();
}
