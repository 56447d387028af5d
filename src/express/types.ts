/**
 * The shapes moatkit's middleware has. They are written against node:http rather than express's
 * own types, so they plug into `app.use` of express 5 (whose Request and Response extend these)
 * without requiring `@types/express`, and work the same in connect-style servers.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** Express's `next`: call it with nothing to continue, or with an error to skip to error handlers. */
export type NextFunction = (err?: unknown) => void;

/** A request middleware, as `app.use()` takes it. */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void;

/** An error-handling middleware (four parameters, which is how express recognises one). */
export type ErrorMiddleware = (err: unknown, req: IncomingMessage, res: ServerResponse, next: NextFunction) => void;
