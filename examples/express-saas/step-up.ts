/**
 * Step-up proofs for the most sensitive account actions (changing the password). A proof is a
 * short-lived token (5 minutes) for its own audience, so it is never an access token and an access
 * token is never a proof; it names the user and the session (`sid`) that passed the second factor.
 * A request passes only with a proof of its own session: a proof earned in session A is refused
 * with session B's access token, and dies with session A.
 */
import type { RequestHandler } from "express";
import { getSubject } from "moatkit/express";
import { type Services, sessionIdOf } from "./services.js";

/** The header the page sends the proof in. */
export const STEP_UP_HEADER = "x-step-up";

/**
 * Passes requests that carry a step-up proof of their own session; answers 401
 * `{ "error": "step_up_required" }` otherwise. Put it after authenticate.
 */
export function requireStepUp(services: Services): RequestHandler {
  return (req, res, next) => {
    const refuse = (): void => {
      res.status(401).json({ error: "step_up_required" });
    };
    const proof = req.headers[STEP_UP_HEADER];
    const subject = getSubject(req);
    if (typeof proof !== "string" || proof.length > 4096 || subject === undefined) {
      refuse();
      return;
    }
    services.stepUps.verify(proof).then(
      (result) => {
        if (result.ok && result.claims.sub === subject.id && result.claims.sid === sessionIdOf(req)) next();
        else refuse();
      },
      (err: unknown) => {
        next(err);
      },
    );
  };
}
