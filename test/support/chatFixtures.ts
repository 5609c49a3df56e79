import { participantRecord } from "./sessionRecords.js";
import { randomUUID } from "node:crypto";
import type { Room } from "@colyseus/sdk";
import type { SessionRecord } from "../../src/store/records.js";
import { Inbox, newLearner, type Learner } from "./learners.js";
import { testServer } from "./testServer.js";

/** A learner joined to a lounge or DM channel, with its inbox and the `chat_history` it got. */
export interface ChannelMember {
  learner: Learner;
  room: Room;
  inbox: Inbox;
  history: { messages: { id: string; text: string }[]; readCursors: Record<string, string>; unreadCount?: number };
}

/** Joins `learner` to `channelId` (`joinOrCreate("lounge", { channelId })`) and waits for `chat_history`. */
export async function joinChannel(learner: Learner, channelId: string): Promise<ChannelMember> {
  const room = await learner.sdk.joinOrCreate("lounge", { channelId });
  const inbox = new Inbox(room);
  const history = await inbox.next<ChannelMember["history"]>("chat_history");
  return { learner, room, inbox, history };
}

/** A new learner of `lang` (B1, native sv) with optional roles. */
export function loungeLearner(prefix: string, lang: string, roles: ("moderator" | "admin")[] = []): Promise<Learner> {
  return newLearner(prefix, { nativeLanguageCode: "sv", levels: { [lang]: "B1" }, ...(roles.length ? { roles } : {}) });
}

/** Stores a completed practice session of `a` and `b` (what opens their DM). */
export async function storeCompletedSession(a: string, b: string): Promise<string> {
  const { parley } = await testServer();
  const at = new Date();
  const participant = (userId: string, role: "learner" | "partner") => participantRecord(userId, role, { nativeLanguageCode: "sv" });
  const session: SessionRecord = {
    id: randomUUID(), sessionType: "practice", targetLanguageCode: "en", topicCode: "daily_life.introductions", targetLevel: "B1", status: "completed",
    participants: [participant(a, "learner"), participant(b, "partner")], prompts: [], matchRequestIds: [], createdAt: at, updatedAt: at, startedAt: at, endedAt: at,
    endReason: "completed", durationSeconds: 300, ratings: [],
  };
  await parley.store.sessions.create(session);
  return session.id;
}
