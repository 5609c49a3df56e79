import mongoose from "mongoose";
import type { Store } from "../repositories.js";
import { auditModel } from "./auditModel.js";
import { chatModels } from "./chatModels.js";
import { mongoChatRepositories } from "./mongoChatRepositories.js";
import { ClaimedWriter, claimModel, type ClaimedWriterOptions } from "./claimedWrites.js";
import { LearnerSessionIndex, learnerSessionsModel } from "./learnerSessionIndex.js";
import { learnerSkillModel } from "./learnerSkillModel.js";
import { matchRequestModel } from "./matchRequestModel.js";
import { blockModel, reportModel, userModerationModel } from "./moderationModels.js";
import { MongoAuditRepository } from "./mongoAuditRepository.js";
import { MongoLearnerSkillRepository } from "./mongoLearnerSkillRepository.js";
import { MongoMatchRequestRepository } from "./mongoMatchRequestRepository.js";
import { MongoModerationRepository } from "./mongoModerationRepository.js";
import { MongoOutbox, type MongoOutboxOptions } from "./mongoOutbox.js";
import { MongoProcessedEventRepository } from "./mongoProcessedEventRepository.js";
import { MongoSessionRepository } from "./mongoSessionRepository.js";
import { MongoTopicRepository } from "./mongoTopicRepository.js";
import { applyMongoWriteBatch } from "./mongoWriteBatch.js";
import { outboxModel, publishedOutboxModel } from "./outboxModel.js";
import { processedEventModel } from "./processedEventModel.js";
import { sessionModel } from "./sessionModel.js";
import { topicModel } from "./topicModel.js";
import { fileUploadModel, MongoFileUploadRepository } from "./mongoFileUploadRepository.js";

/** Options of {@link createMongoStore}. */
export interface MongoStoreOptions extends MongoOutboxOptions, ClaimedWriterOptions {
  /** How long to look for a reachable server before an operation fails, in ms. @default 5000 */
  serverSelectionTimeoutMS?: number;
  /**
   * Called with the name and the body of every command the driver sends (`find`, `insert`,
   * `update`, …), for benchmarks and tests that count round trips (driver command monitoring).
   * @default none (not monitored)
   */
  onCommand?: (commandName: string, command: Record<string, unknown>) => void;
}

/**
 * The production store (DESIGN §1): Mongoose on MongoDB — or on FerretDB 1.24, whose gaps
 * this implementation works around: no transactions (the outbox stages events, see
 * {@link MongoOutbox}), updates that are not atomic (state documents are written through
 * {@link ClaimedWriter}), no partial or TTL indexes, no positional updates, no `$elemMatch` on
 * element fields (see the repositories' docs).
 *
 * Boot: its own connection (`mongoose.createConnection`, never the global one), awaited;
 * `autoIndex` off and the indexes created explicitly here, awaited, so that the store is not
 * handed out before its unique indexes exist (`createIndexes`, not `syncIndexes`: FerretDB's
 * `listIndexes` omits `sparse`, so `syncIndexes` would drop and rebuild the pending-ticket
 * index at every boot, leaving a window without it); then the outbox's staged rows left by a
 * crash are resolved ({@link MongoOutbox}). Commands are not buffered: with the server
 * unreachable they fail after `serverSelectionTimeoutMS` instead of waiting forever.
 * @param uri a `mongodb://` URI naming the database (`MONGODB_URI`)
 * @throws the connection or index error; the connection is closed first
 */
export async function createMongoStore(uri: string, options: MongoStoreOptions = {}): Promise<Store> {
  const connection = mongoose.createConnection(uri, {
    autoIndex: false,
    autoCreate: true,
    bufferCommands: false,
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5000,
    ...(options.onCommand ? { monitorCommands: true } : {}),
  });
  const { onCommand } = options;
  if (onCommand) connection.getClient().on("commandStarted", (event) => onCommand(event.commandName, event.command));
  try {
    await connection.asPromise();
    const db = connection.db;
    if (!db) throw new Error("mongo store: connected, but the connection has no database");
    const models = {
      matchRequests: matchRequestModel(connection),
      sessions: sessionModel(connection),
      reports: reportModel(connection),
      blocks: blockModel(connection),
      userModeration: userModerationModel(connection),
      topics: topicModel(connection),
      audit: auditModel(connection),
      outbox: outboxModel(connection),
      publishedOutbox: publishedOutboxModel(connection),
      claims: claimModel(connection),
      processedEvents: processedEventModel(connection),
      learnerSkills: learnerSkillModel(connection),
      ...chatModels(connection),
      fileUploads: fileUploadModel(connection),
      learnerSessions: learnerSessionsModel(connection),
    };
    for (const model of Object.values(models)) {
      await model.init();
      await model.createIndexes();
    }
    const outbox = new MongoOutbox(models.outbox, models.publishedOutbox, db, options);
    await outbox.recoverStaged();
    const writer = new ClaimedWriter(models.claims, options);
    const matchRequests = new MongoMatchRequestRepository(models.matchRequests, outbox, writer);
    const learnerIndex = new LearnerSessionIndex(models.learnerSessions, writer);
    await learnerIndex.backfillOnce(models.sessions);
    const sessions = new MongoSessionRepository(models.sessions, outbox, writer, learnerIndex);
    const moderation = new MongoModerationRepository(models.reports, models.blocks, models.userModeration, outbox, writer);
    const learnerSkills = new MongoLearnerSkillRepository(models.learnerSkills);
    return {
      kind: "mongo",
      matchRequests,
      sessions,
      moderation,
      outbox,
      audit: new MongoAuditRepository(models.audit),
      processedEvents: new MongoProcessedEventRepository(models.processedEvents),
      learnerSkills,
      topics: new MongoTopicRepository(models.topics),
      ...mongoChatRepositories(models),
      fileUploads: new MongoFileUploadRepository(models.fileUploads),
      writeBatch: (writes) => applyMongoWriteBatch({ outbox, matchRequests, sessions }, writes),
      // One collection after the other, no transaction (FerretDB has none): a failure part-way
      // leaves the rest for the retry, which redoes only what is left (every step is idempotent).
      async eraseUser(userId) {
        return {
          sessionsAnonymized: await sessions.anonymizeParticipant(userId),
          matchRequestsDeleted: await matchRequests.deleteByUser(userId),
          ...(await moderation.eraseUser(userId)),
          skillsDeleted: await learnerSkills.deleteByUser(userId),
        };
      },
      async ping() {
        await db.command({ ping: 1 });
      },
      async close() {
        await connection.close();
      },
    };
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw err;
  }
}
