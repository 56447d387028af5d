/** Header names as moatkit/express options accept them. */
import { z } from "zod";

/** Letters, digits and `-`, at most 64 characters. */
const HEADER_NAME_RE: RegExp = /^[A-Za-z0-9-]{1,64}$/;

/** An option naming a header. */
export const headerNameSchema: z.ZodString = z.string().regex(HEADER_NAME_RE, "a header name");
