import assert from "node:assert/strict";
import { activityOf } from "../../../src/store/userActivity.js";

describe("store: a user's session activity", () => {
  const since = new Date(Date.UTC(2026, 11, 1));
  const at = (day: number) => new Date(Date.UTC(2026, 11, day));

  it("tells a live session, counts the unexpired ones created since, and lists partners of those started since", () => {
    const activity = activityOf(
      [
        { status: "completed", createdAt: at(2), startedAt: at(2), participants: [{ userId: "u" }, { userId: "a" }] },
        { status: "expired", createdAt: at(3), participants: [{ userId: "u" }, { userId: "b" }] },
        { status: "active", createdAt: at(4), startedAt: at(4), participants: [{ userId: "c" }, { userId: "u", leftAt: at(4) }] },
        { status: "completed", createdAt: at(1), startedAt: new Date(since.getTime() - 1), participants: [{ userId: "u" }, { userId: "d" }] },
        { status: "active", createdAt: at(5), participants: [{ userId: "x" }, { userId: "y" }] },
      ],
      "u",
      since,
    );
    assert.equal(activity.inLiveSession, false, "they left the live one");
    assert.equal(activity.countedSince, 3);
    assert.deepEqual(activity.partnersSince.sort(), ["a", "c"]);
  });
});
