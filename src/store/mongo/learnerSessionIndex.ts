import { Schema, type Connection, type Model } from "mongoose";
import type { ClaimedWriter, VersionedDocument } from "./claimedWrites.js";
import { isDuplicateKeyError } from "./documentUpdates.js";
import type { SessionDocument } from "./sessionModel.js";

/** How long a session stays in its participants' index, in ms: beyond any live session and the 7-day windows. */
export const LEARNER_SESSIONS_KEPT_MS = 14 * 24 * 3600 * 1000;

/** One session of a learner's index. */
export interface LearnerSessionEntry {
  id: string;
  /** The session's creation (or the learner's joining, for a group newcomer): the entry is dropped 14 days later. */
  createdAt: Date;
}

/** The `_id` of the document that says the index was built from the sessions stored before it existed. */
const BACKFILLED_MARK = "\u0000backfilled";

/** The sessions a learner joined recently (`learnerSessions`, `_id` = userId). */
export interface LearnerSessionsDocument extends VersionedDocument {
  _id: string;
  sessions: LearnerSessionEntry[];
}

const learnerSessionsSchema = new Schema<LearnerSessionsDocument>(
  {
    _id: { type: String, required: true },
    sessions: { type: [new Schema<LearnerSessionEntry>({ id: { type: String, required: true }, createdAt: { type: Date, required: true } }, { _id: false })], default: [] },
    version: { type: Number, required: true, default: 0 },
    writeTokens: { type: [String], default: [] },
  },
  { collection: "learnerSessions", versionKey: false },
);

/** Registers the learner-session index model on `connection`. */
export function learnerSessionsModel(connection: Connection): Model<LearnerSessionsDocument> {
  return connection.model<LearnerSessionsDocument>("LearnerSessions", learnerSessionsSchema);
}

/**
 * Per learner, the ids of the sessions they joined in the last 14 days, kept up to date as
 * sessions are created and joined (issue 11 §4): admission reads a learner's activity as one
 * `_id` lookup plus one `_id` lookup per recent session, instead of querying the sessions by
 * participant — FerretDB 1.24 answers any filter but `_id` equality by scanning the whole
 * collection, so that query grew with the history of everyone.
 *
 * An entry is added *before* its session is written (a failure leaves an entry to a session
 * that does not exist, which readers skip; never a session missing from the index). Entries
 * are claimed writes ({@link ClaimedWriter}): concurrent additions for one learner all stay.
 */
export class LearnerSessionIndex {
  constructor(
    private readonly model: Model<LearnerSessionsDocument>,
    private readonly writer: ClaimedWriter,
  ) {}

  /**
   * Adds each session to the index of each of `userIds` (per session), dropping entries older
   * than {@link LEARNER_SESSIONS_KEPT_MS}. Idempotent.
   * @param now epoch ms, @default Date.now()
   */
  async add(sessions: readonly { id: string; createdAt: Date; userIds: readonly string[] }[], now: number = Date.now()): Promise<void> {
    const byUser = new Map<string, LearnerSessionEntry[]>();
    for (const s of sessions) {
      for (const userId of s.userIds) {
        const entries = byUser.get(userId) ?? [];
        entries.push({ id: s.id, createdAt: s.createdAt });
        byUser.set(userId, entries);
      }
    }
    await Promise.all([...byUser].map(([userId, entries]) => this.addFor(userId, entries, now)));
  }

  /** The ids of the sessions `userId` joined in the last 14 days (of the index), in no particular order. */
  async sessionIds(userId: string): Promise<string[]> {
    const doc = await this.model.findById(userId, { sessions: 1 }).lean<Pick<LearnerSessionsDocument, "sessions">>().exec();
    return (doc?.sessions ?? []).map((s) => s.id);
  }

  /**
   * Builds the index from the stored sessions the first time a store boots with it (one scan
   * of the sessions of the last 14 days and the live ones), then marks it built. Processes
   * booting at once may both build it: additions are idempotent.
   * @param now epoch ms
   */
  async backfillOnce(sessions: Model<SessionDocument>, now: number = Date.now()): Promise<void> {
    if (await this.model.exists({ _id: BACKFILLED_MARK }).exec()) return;
    const docs = await sessions
      .find({ $or: [{ createdAt: { $gte: new Date(now - LEARNER_SESSIONS_KEPT_MS) } }, { status: { $in: ["waiting", "active"] } }] }, { createdAt: 1, participants: 1 })
      .lean<{ _id: string; createdAt: Date; participants: { userId: string }[] }[]>()
      .exec();
    await this.add(docs.map((d) => ({ id: d._id, createdAt: d.createdAt, userIds: d.participants.map((p) => p.userId) })), now);
    await this.model.create({ _id: BACKFILLED_MARK, sessions: [], version: 0, writeTokens: [] }).catch((err: unknown) => {
      if (!isDuplicateKeyError(err)) throw err;
    });
  }

  /** Forgets `userId`'s index (user erasure). */
  async deleteUser(userId: string): Promise<void> {
    await this.model.deleteOne({ _id: userId }).exec();
  }

  private async addFor(userId: string, entries: readonly LearnerSessionEntry[], now: number): Promise<void> {
    const keptSince = now - LEARNER_SESSIONS_KEPT_MS;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.writer.write(
        `learnerSessions:${userId}`,
        () => this.model.findById(userId).lean<LearnerSessionsDocument>().exec(),
        (current) => {
          const known = new Set(current.sessions.map((s) => s.id));
          const added = entries.filter((e) => !known.has(e.id));
          if (added.length === 0) return undefined;
          return { set: { sessions: [...current.sessions.filter((s) => s.createdAt.getTime() >= keptSince), ...added] } };
        },
        async (version, update) => (await this.model.updateOne({ _id: userId, version }, update).exec()).matchedCount === 1,
      );
      if (outcome !== "missing") return;
      try {
        await this.model.create({ _id: userId, sessions: [...entries], version: 0, writeTokens: [] });
        return;
      } catch (err) {
        // Another writer created it first: add to theirs.
        if (!isDuplicateKeyError(err) || attempt >= 3) throw err;
      }
    }
  }
}
