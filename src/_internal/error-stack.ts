/**
 * A stack's first lines repeat the error's message in whatever form the thrower gave it; its
 * frames (`    at …`) name code locations only. Where a message is rewritten (input or values
 * withheld), the stack is rebuilt from a new header and the frames alone.
 */

const FRAME = /^\s+at /;

/** `name: message`, then only the frame lines of `stack` (none when it is not a string). */
export function stackWithHeader(name: string, message: string, stack: unknown): string {
  const frames = typeof stack === "string" ? stack.split("\n").filter((line) => FRAME.test(line)) : [];
  return [`${name}: ${message}`, ...frames].join("\n");
}
