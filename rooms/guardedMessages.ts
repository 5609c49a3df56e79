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

/** Longest part of an unknown message type echoed back in an `error` message. */
const ECHOED_TYPE_MAX_CHARS = 32;

/**
 * Registers the room's fallback for every message nobody handles (DESIGN §5): an unknown string
 * or numeric type, or bytes of any type without a bytes handler. The sender gets
 * `error {code: "INVALID_REQUEST"}` naming at most {@link ECHOED_TYPE_MAX_CHARS} characters of the
 * type, and the connection and the room stay as they were. Without it Colyseus closes the socket
 * with the type in the close reason, and a reason over 123 bytes throws inside `ws`.
 * Register it once per room, in `onCreate`. `budget`, when given, is consumed first (a
 * per-connection message budget, spent inline or as a promise): when it throws or rejects, the
 * sender gets that error instead.
 */
export function onUnknownMessage(room: Room, onReceived?: (type: string) => void, budget?: (client: Client) => void | Promise<void>): void {
  room.onMessage("*", (client: Client, type: string | number) => answerUnknown(client, type, onReceived, budget));
}

/** The answer to a message nobody handles ({@link onUnknownMessage}), after `budget` is spent. */
function answerUnknown(client: Client, type: string | number, onReceived?: (type: string) => void, budget?: (client: Client) => void | Promise<void>): void {
  onReceived?.("unknown");
  const shown = String(type).slice(0, ECHOED_TYPE_MAX_CHARS);
  const ellipsis = String(type).length > ECHOED_TYPE_MAX_CHARS ? "…" : "";
  const answer = () => client.send("error", { code: "INVALID_REQUEST", message: `unknown message type ${JSON.stringify(shown + ellipsis)}` } satisfies ErrorMessage);
  const refuse = (err: unknown) =>
    client.send("error", (isParleyError(err) ? { code: err.code, message: err.message } : { code: "INTERNAL_ERROR", message: "internal error" }) satisfies ErrorMessage);
  let spent: void | Promise<void>;
  try {
    spent = budget?.(client);
  } catch (err) {
    return refuse(err);
  }
  if (spent) spent.then(answer, refuse);
  else answer();
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
  room.onMessage(type, (client: C, raw: unknown) => answerValidated(client, type, schema, raw, logger, handler, onReceived));
}

/** Validates `raw` and runs `handler` on it ({@link onValidatedMessage}). */
function answerValidated<S extends z.ZodType, C extends Client>(
  client: C,
  type: string,
  schema: S,
  raw: unknown,
  logger: Logger,
  handler: (client: C, message: z.infer<S>) => void | Promise<void>,
  onReceived?: (type: string) => void,
): void {
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
}

/**
 * One message type of a route table shared by every room of a class ({@link routeMessages}):
 * the payload is validated with `schema`, then `handle` runs with the room that received it.
 */
export interface MessageRoute<R, C extends Client> {
  schema: z.ZodType;
  handle(room: R, client: C, message: unknown): void | Promise<void>;
}

/** Message routes by type, built once per room class (not per room). */
export type MessageRoutes<R, C extends Client> = Readonly<Record<string, MessageRoute<R, C>>>;

/**
 * Registers a whole route table on `room` as ONE Colyseus handler (the `*` fallback, which
 * Colyseus calls for every type with no handler of its own), so a room holds one closure for its
 * messages instead of a handler, a validator closure and a listener array per type (DESIGN §11
 * "≤ 40 KB RSS per connected learner"). A type of `routes` behaves as {@link onValidatedMessage};
 * any other type, and bytes of any type without a bytes handler, as {@link onUnknownMessage}
 * (`budget` is spent for those only: routes spend their own).
 */
export function routeMessages<R extends Room, C extends Client>(
  room: R,
  routes: MessageRoutes<R, C>,
  logger: Logger,
  onReceived?: (type: string) => void,
  budget?: (client: Client) => void | Promise<void>,
): void {
  room.onMessage("*", (client: C, type: string | number, raw: unknown) => {
    // Bytes reach `*` too (`onDataBytes`) when their type has no bytes handler: those are unknown.
    const route = typeof type === "string" && !(raw instanceof Uint8Array) && Object.hasOwn(routes, type) ? routes[type] : undefined;
    if (!route || typeof type !== "string") return answerUnknown(client, type, onReceived, budget);
    answerValidated(client, type, route.schema, raw, logger, (c: C, message: unknown) => route.handle(room, c, message), onReceived);
  });
}
