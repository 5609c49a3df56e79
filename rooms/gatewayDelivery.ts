import { z } from "zod";

/**
 * The wire between the `queue` actor and the `matchmaking` gateways (DESIGN §1, §4): a ticket
 * admitted through a gateway is held by one of its clients, and what the actor has to tell that
 * client crosses processes over presence pub/sub, on the gateway's own channel.
 */

/** Where the learner of a ticket waits: its gateway's presence channel and its client's `sessionId` there. */
export const ticketHolderAddressSchema = z.strictObject({
  channel: z.string().min(1).max(200),
  sessionId: z.string().min(1).max(100),
});

/** See {@link ticketHolderAddressSchema}. */
export type TicketHolderAddress = z.infer<typeof ticketHolderAddressSchema>;

/**
 * Actor → gateway: a message for one client (`match_request`, `match_found`, `match_expired`,
 * `match_suggestion`, … with the payload of DESIGN §5), or `leave` when its ticket was cancelled
 * elsewhere (REST `DELETE /match-request/:id`).
 */
export type GatewayDelivery = { sessionId: string; type: string; payload: unknown } | { sessionId: string; leave: true };

/** The presence channel a gateway listens on, from its `roomId`. */
export function gatewayChannel(gatewayRoomId: string): string {
  return `matchmaking-gateway:${gatewayRoomId}`;
}
