/** An error whose status and message are safe to show the caller (4xx) or a 5xx to be hidden. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

// body-parser tags its errors with a `type`; these messages say what to change in the request.
const BODY_PARSER_MESSAGES: Record<string, string> = {
  "entity.parse.failed": "request body is not valid JSON",
  "entity.too.large": "request body is larger than the limit",
  "encoding.unsupported": "request body encoding is not supported",
  "charset.unsupported": "request body charset is not supported",
  "request.aborted": "request body was aborted",
  "request.size.invalid": "request body size does not match content-length",
};

export interface PublicError {
  status: number;
  message: string;
}

/** Maps any thrown value to what the caller may see: 4xx keep their message, 5xx never leak one. */
export function toPublicError(err: unknown): PublicError {
  if (err instanceof HttpError) {
    return err.status < 500 ? { status: err.status, message: err.message } : { status: err.status, message: "internal error" };
  }
  if (typeof err === "object" && err !== null) {
    const tagged = err as { status?: unknown; statusCode?: unknown; type?: unknown; limit?: unknown; message?: unknown };
    const status = typeof tagged.status === "number" ? tagged.status : tagged.statusCode;
    if (typeof status === "number" && status >= 400 && status < 500) {
      let message = (typeof tagged.type === "string" && BODY_PARSER_MESSAGES[tagged.type]) || "bad request";
      if (tagged.type === "entity.too.large" && typeof tagged.limit === "number") message += ` of ${tagged.limit} bytes`;
      return { status, message };
    }
  }
  return { status: 500, message: "internal error" };
}
