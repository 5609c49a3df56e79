import { ERASED_DISPLAY_NAME, type SessionRecord } from "./records.js";

/** The fields of a session that {@link anonymizedSessionFields} rewrites. */
export type AnonymizedSessionFields = Pick<SessionRecord, "participants" | "ratings">;

/**
 * The session's participants and ratings with the erased user anonymized (`Store.eraseUser`,
 * DESIGN §8): their participant entry gets `displayName` = {@link ERASED_DISPLAY_NAME} and no
 * `avatarUrl`; their rating keeps its score and loses its free-text `feedback`. Other entries
 * are returned as they are. Shared by both stores, so that they anonymize alike.
 * @returns the rewritten fields, or undefined when nothing is left to change (idempotence)
 */
export function anonymizedSessionFields(session: AnonymizedSessionFields, userId: string): AnonymizedSessionFields | undefined {
  let changed = false;
  const participants = session.participants.map((p) => {
    if (p.userId !== userId || (p.displayName === ERASED_DISPLAY_NAME && p.avatarUrl == null)) return p;
    changed = true;
    const { avatarUrl: _avatarUrl, ...kept } = p;
    return { ...kept, displayName: ERASED_DISPLAY_NAME };
  });
  const ratings = session.ratings.map((r) => {
    if (r.userId !== userId || r.feedback == null) return r;
    changed = true;
    const { feedback: _feedback, ...kept } = r;
    return kept;
  });
  return changed ? { participants, ratings } : undefined;
}
