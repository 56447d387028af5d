/**
 * Route patterns for per-route options, in the spirit of express paths: `"POST /reports/:id/export"`,
 * `"/uploads/*"`. A method is optional (GET patterns also match HEAD); `:name` matches one
 * segment; a final `*` matches the rest. Like express's default router, literals match without
 * regard to case and a trailing slash is ignored.
 */
import { MoatError } from "../errors.js";

/** A compiled route pattern. */
export interface RoutePattern {
  readonly method: string | undefined;
  /** Lower-cased literal segments, or undefined for a `:param` segment. */
  readonly segments: readonly (string | undefined)[];
  /** Whether the pattern ends in `*`. */
  readonly rest: boolean;
}

const METHOD_RE = /^[A-Z]{1,16}$/;
const SEGMENT_RE = /^[A-Za-z0-9._~!$&'()+,;=@%-]+$/;
const PARAM_RE = /^:[A-Za-z_][A-Za-z0-9_]*$/;

function splitPath(path: string): string[] {
  return path.split("/").filter((s) => s !== "");
}

/** Compiles a pattern; ERR_CONFIG if it is not one. */
export function parseRoutePattern(text: string, what: string): RoutePattern {
  const invalid = (): MoatError =>
    new MoatError("ERR_CONFIG", {
      message: `${what}: "${text.slice(0, 200)}" is not a route such as "/exports" or "POST /reports/:id/*"`,
    });
  const parts = text.trim().split(/\s+/);
  const [first = "", second] = parts;
  if (parts.length > 2) throw invalid();
  const method = second === undefined ? undefined : first;
  const path = second ?? first;
  if ((method !== undefined && !METHOD_RE.test(method)) || !path.startsWith("/")) throw invalid();
  const raw = splitPath(path);
  const rest = raw.at(-1) === "*";
  if (rest) raw.pop();
  const segments = raw.map((segment) => {
    if (PARAM_RE.test(segment)) return undefined;
    if (!SEGMENT_RE.test(segment)) throw invalid();
    return segment.toLowerCase();
  });
  return { method, segments, rest };
}

/** Whether a request's method and path (without query) match `pattern`. */
export function matchRoute(pattern: RoutePattern, method: string, path: string): boolean {
  if (pattern.method !== undefined && pattern.method !== method && !(pattern.method === "GET" && method === "HEAD"))
    return false;
  const actual = splitPath(path);
  if (pattern.rest ? actual.length < pattern.segments.length : actual.length !== pattern.segments.length) return false;
  return pattern.segments.every((segment, i) => segment === undefined || segment === actual[i]?.toLowerCase());
}
