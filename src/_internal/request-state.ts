/**
 * What moatkit's middleware keeps about one request — its context and client address
 * (`requestContext()`), its deadline (`requestTimeout()`), its subject (`setSubject`) — in one
 * record under one WeakMap entry. Keyed by the request and never put on it, so nothing else can
 * forge or read it; one entry rather than one per helper, because a busy server makes and drops
 * these for every request and the garbage collector pays for each weak entry separately.
 */
import type { ServerResponse } from "node:http";
import type { MoatError } from "../errors.js";
import type { RequestContext } from "../express/request-context.js";
import type { RequestSubject } from "../express/subject.js";

/** A request's deadline under `requestTimeout()`. */
export interface RequestDeadline {
  readonly res: ServerResponse;
  // Made on first use: most handlers never ask for the signal, and an AbortController costs
  // more per request than everything else here.
  controller: AbortController | undefined;
  reason: MoatError | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** One request's record. Fields stay undefined until their helper runs. */
export class RequestState {
  /** Set by `requestContext()`. */
  context: RequestContext | undefined = undefined;
  /** The address `requestContext()` resolved: null when the socket was already gone. */
  address: string | null | undefined = undefined;
  /** Set by `requestTimeout()`. */
  deadline: RequestDeadline | undefined = undefined;
  /** Set by `setSubject`. */
  subject: RequestSubject | undefined = undefined;
}

const states = new WeakMap<object, RequestState>();

/** The record of `req`, made on first use. */
export function requestState(req: object): RequestState {
  let state = states.get(req);
  if (state === undefined) {
    state = new RequestState();
    states.set(req, state);
  }
  return state;
}

/** The record of `req`, or undefined when no moatkit helper has recorded anything for it. */
export function findRequestState(req: object): RequestState | undefined {
  return states.get(req);
}
