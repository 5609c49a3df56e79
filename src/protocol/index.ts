/**
 * parley's client protocol in one place (DESIGN §5): room names, every client → server message
 * schema and every server → client payload type. Rooms, REST, the web client, the demo and the
 * tests import from here.
 */
export * from "./roomNames.js";
export * from "./matchmakingMessages.js";
export * from "./conversationMessages.js";
export { matchmakingJoinOptionsSchema, matchRequestBodySchema, type MatchRequestBody } from "../matchmaking/matchRequestOptions.js";
