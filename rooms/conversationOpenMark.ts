import { matchMaker, type Presence } from "@colyseus/core";
import { randomUUID } from "node:crypto";
import { ParleyError } from "../src/errors/errorCodes.js";

/**
 * Presence key marking a session's room as open — running, or disposing until its writes are
 * done — on any process. Value: the marking instance's token.
 */
const openKey = (sessionId: string) => `parley:conversation:open:${sessionId}`;

/**
 * The "room open" mark of one conversation room (a zombie guard across processes): a room that
 * is disposing with writes in flight keeps its mark, so that no second room of the session
 * starts before those writes are done.
 */
export class ConversationOpenMark {
  private token?: string;

  constructor(
    private readonly presence: Presence,
    private readonly sessionId: string,
  ) {}

  /**
   * Checks that no room of the session is closing, then reports whether the room is listed.
   * @returns whether the session's room is listed already (a repeated creation)
   * @throws ParleyError `SESSION_NOT_ACTIVE` while a room of this session is closing
   */
  async check(): Promise<{ listed: boolean; opened: boolean }> {
    const opened = Boolean(await this.presence.get(openKey(this.sessionId)));
    const listed = await matchMaker.driver.has(this.sessionId);
    // Open but no longer listed: a room of this session is disposing (on any process) and its
    // last writes are not done. A second room now would be a zombie: refuse until it is gone.
    if (opened && !listed) throw new ParleyError("SESSION_NOT_ACTIVE", `the room of session ${this.sessionId} is closing`);
    return { listed, opened };
  }

  /** Sets the mark for `ttlSeconds` (the longest life a room can have, should a process die). */
  async set(ttlSeconds: number): Promise<void> {
    this.token = randomUUID();
    await this.presence.setex(openKey(this.sessionId), this.token, ttlSeconds);
  }

  /** Clears the mark if this instance set it (writes done: the session may have a room again). */
  async clear(): Promise<void> {
    const key = openKey(this.sessionId);
    if (this.token && (await this.presence.get(key)) === this.token) await this.presence.del(key);
  }
}
