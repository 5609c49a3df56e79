import type { Client, Room } from "@colyseus/core";
import type { Logger } from "pino";
import type { z } from "zod";
import { isParleyError } from "../src/errors/errorCodes.js";

/** Payload of the `error` message (DESIGN §5). */
export interface ErrorMessage {
  code: string;
  message: string;
}

/** Sends `error` `{ code, message }` for a caught error; unexpected errors are logged. */
export function sendError(client: Client, err: unknown, logger: Logger): void {
  if (isParleyError(err)) {
    client.send("error", { code: err.code, message: err.message } satisfies ErrorMessage);
    return;
  }
  logger.error({ err }, "room message handler failed");
  client.send("error", { code: "INTERNAL_ERROR", message: "internal error" } satisfies ErrorMessage);
}

/**
 * Registers a message handler whose payload is validated with `schema` first. Unlike
 * Colyseus's own `validate()` (which disconnects the sender), a bad payload is answered with
 * `error {code: "INVALID_REQUEST"}` and the room is untouched (DESIGN §5). Errors thrown by the
 * handler (sync or async) become `error` messages with their code.
 */
export function onValidatedMessage<S extends z.ZodType, C extends Client = Client>(
  room: Room,
  type: string,
  schema: S,
  logger: Logger,
  handler: (client: C, message: z.infer<S>) => void | Promise<void>,
  onReceived?: (type: string) => void,
): void {
  room.onMessage(type, (client: C, raw: unknown) => {
    onReceived?.(type);
    const parsed = schema.safeParse(raw ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
      (client as Client).send("error", { code: "INVALID_REQUEST", message: `${type}: ${where}${issue?.message ?? "invalid payload"}` } satisfies ErrorMessage);
      return;
    }
    try {
      const result = handler(client, parsed.data);
      if (result) result.catch((err: unknown) => sendError(client, err, logger));
    } catch (err) {
      sendError(client, err, logger);
    }
  });
}
