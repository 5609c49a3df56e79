/**
 * The collections whose documents carry outbox write tokens (`writeTokens`): the ones written
 * together with events (see {@link MongoOutbox}). Other collections (blocks, audit, the outbox
 * itself) never produce events.
 */
export const STATE_COLLECTIONS = {
  matchRequests: "matchRequests",
  sessions: "sessions",
  reports: "reports",
  userModeration: "userModeration",
} as const;

/** The name of one collection that holds event-producing state. */
export type StateCollection = (typeof STATE_COLLECTIONS)[keyof typeof STATE_COLLECTIONS];

/** Points a staged outbox row at the state write it belongs to. */
export interface StateRef {
  collectionName: StateCollection;
  id: string;
}

/** The part of every state document the outbox recovery reads. */
export interface TokenHolderDocument {
  _id: string;
  /** Tokens of the newest event-producing writes (see `WRITE_TOKENS_KEPT`). */
  writeTokens?: string[];
}
