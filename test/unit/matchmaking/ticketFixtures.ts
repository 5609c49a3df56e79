import { queueFor } from "../../../src/matchmaking/queueName.js";
import type { Ticket } from "../../../src/matchmaking/ticket.js";

let sequence = 0;

/** Resets the id counter so ids (and FIFO ties) are predictable within a test. */
export function resetTicketIds(): void {
  sequence = 0;
}

/**
 * A practice ticket in queue "en": native fr, B1, topic travel.airport (category travel),
 * preferredPartnerLevel same, free tier, created at 0, expiring at 600 s. Ids are `t001`, `t002`…
 * and users `u001`, `u002`… unless overridden.
 */
export function practiceTicket(overrides: Partial<Ticket> = {}): Ticket {
  sequence += 1;
  const n = String(sequence).padStart(3, "0");
  return {
    id: `t${n}`,
    userId: `u${n}`,
    queue: "en",
    sessionType: "practice",
    targetLanguageCode: "en",
    nativeLanguageCode: "fr",
    level: "B1",
    topicCode: "travel.airport",
    topicCategory: "travel",
    preferredPartnerLevel: "same",
    premium: false,
    createdAt: 0,
    expiresAt: 600_000,
    ...overrides,
  };
}

/** A tandem ticket (native → target), queue computed by queueFor. */
export function tandemTicket(native: string, target: string, overrides: Partial<Ticket> = {}): Ticket {
  return practiceTicket({
    sessionType: "tandem",
    nativeLanguageCode: native,
    targetLanguageCode: target,
    queue: queueFor({ sessionType: "tandem", targetLanguageCode: target, nativeLanguageCode: native }),
    ...overrides,
  });
}
