import express, { type IRouter, type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import { HttpError } from "../errors";

export const EchoBody = z.strictObject({
  message: z.string().min(1).max(1000),
});

function requireJson(req: Request, _res: Response, next: NextFunction): void {
  if (!req.is("application/json")) {
    throw new HttpError(415, "send the body as JSON with Content-Type: application/json");
  }
  next();
}

export function echoRoutes(router: IRouter, bodyLimit: string): void {
  // The JSON parser sits on the route, not the app, so a rejected body is still labelled with the
  // route in metrics and logs.
  router.post("/echo", requireJson, express.json({ limit: bodyLimit, strict: true }), (req, res) => {
    const parsed = EchoBody.safeParse(req.body);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; ");
      throw new HttpError(400, `invalid body: ${detail}`);
    }
    res.json({ message: parsed.data.message });
  });
}
