/**
 * parley's client protocol in one place (DESIGN §5): room names, close codes, every client → server message
 * schema and every server → client payload type. Rooms, REST, the web client, the demo and the
 * tests import from here.
 */
export * from "./roomNames.js";
export * from "./closeCodes.js";
export * from "./matchmakingMessages.js";
export * from "./conversationMessages.js";
export * from "../chat/chatMessages.js";
export { matchmakingJoinOptionsSchema, matchRequestBodySchema, type MatchRequestBody } from "../matchmaking/matchRequestOptions.js";
