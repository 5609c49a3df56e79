import type { Logger } from "pino";
import { REMINDER_BEFORE_MS } from "../matchmaking/scheduledSlots.js";
import { sessionReminderDraft } from "../notifications/notificationDrafts.js";
import type { NotificationDraft } from "../notifications/notifier.js";
import type { SessionRecord } from "../store/records.js";
import type { Store } from "../store/repositories.js";

/** How often the reminder job looks for scheduled sessions about to start, in ms. */
export const REMINDER_JOB_INTERVAL_MS = 30_000;

/**
 * The reminder due for a scheduled session at `now` (DESIGN §4 "both users get reminder
 * notifications"; issue 10): {@link REMINDER_BEFORE_MS} before `scheduledStartAt`, once
 * (`reminderSentAt` unset), while the session still waits and its slot has not passed.
 * Pure. @returns one draft per participant, or none
 */
export function remindersDue(session: SessionRecord, now: number): NotificationDraft[] {
  const start = session.scheduledStartAt?.getTime();
  if (start === undefined || session.status !== "waiting" || session.reminderSentAt) return [];
  if (now < start - REMINDER_BEFORE_MS || now >= start) return [];
  return session.participants.filter((p) => !p.leftAt).map((p) => sessionReminderDraft(p.userId, session, "soon"));
}

/** What {@link SessionReminders} needs. */
export interface SessionRemindersDeps {
  store: Pick<Store, "sessions">;
  notify: (draft: NotificationDraft) => Promise<unknown>;
  logger: Logger;
  /** Epoch ms. */
  now: () => number;
}

/**
 * Sends the "starts in 5 minutes" reminders of scheduled sessions (the match-time one is sent
 * by the queue room when it stores the match). Every {@link REMINDER_JOB_INTERVAL_MS} it reads
 * the live sessions, notifies the participants of each session {@link remindersDue} names, and
 * marks the session `reminderSentAt`. With several processes a reminder may go out twice at
 * worst (two runs reading before either marks); never zero times while a process runs.
 */
export class SessionReminders {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly deps: SessionRemindersDeps, private readonly intervalMs = REMINDER_JOB_INTERVAL_MS) {}

  /** Starts the periodic runs. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.run().catch((err: unknown) => this.deps.logger.warn({ err }, "session reminders failed; will retry"));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops the runs and waits for the one in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One run now. @returns how many reminders were sent */
  run(): Promise<number> {
    this.running ??= this.runOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async runOnce(): Promise<number> {
    const { store, notify, now } = this.deps;
    let sent = 0;
    for (const session of await store.sessions.listLive(1000)) {
      const drafts = remindersDue(session, now());
      if (drafts.length === 0) continue;
      await store.sessions.patch(session.id, { reminderSentAt: new Date(now()) });
      for (const draft of drafts) await notify(draft);
      sent += drafts.length;
    }
    return sent;
  }
}
