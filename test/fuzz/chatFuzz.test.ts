import type { Room } from "@colyseus/sdk";
import fc from "fast-check";
import type { ChatMessageView } from "../../src/chat/chatMessages.js";
import { joinChannel, loungeLearner } from "../support/chatFixtures.js";
import { eventually } from "../support/conversations.js";
import { leaveAll } from "../http/restSupport.js";
import { testServer } from "../support/testServer.js";
import { errorCollector, fuzzFamily, hostileJson, hostileString } from "./fuzzSupport.js";

describe("fuzz: chat messages in a lounge get error with a code and leave the room working", function () {
  this.timeout(300_000);
  let rooms: Room[] = [];
  before(async () => {
    await testServer();
  });
  after(async () => {
    await leaveAll(rooms);
    rooms = [];
  });

  it("every chat message family with hostile and near-valid payloads, unknown types and bytes; then a message still goes through", async () => {
    const lang = "ti";
    const fuzzer = await joinChannel(await loungeLearner("fuzzc", lang), `lounge:${lang}`);
    const other = await joinChannel(await loungeLearner("other", lang), `lounge:${lang}`);
    rooms.push(fuzzer.room, other.room);
    other.room.send("chat_send", { text: "target", clientMessageId: "t" });
    const target = await fuzzer.inbox.next<ChatMessageView>("chat_message");
    const collector = errorCollector(fuzzer.room);

    const id = fc.oneof(fc.constant(target.id), hostileString, fc.integer(), fc.constant(null));
    const text = fc.oneof(hostileString, fc.constant("target"), fc.string({ maxLength: 2100 }), hostileJson);
    const families: Record<string, fc.Arbitrary<unknown>> = {
      chat_send: fc.record({ text, replyTo: id, clientMessageId: fc.oneof(hostileString, hostileJson) }, { requiredKeys: [] }),
      chat_edit: fc.record({ messageId: id, text }, { requiredKeys: [] }),
      chat_delete: fc.record({ messageId: id, extra: hostileJson }, { requiredKeys: [] }),
      chat_react: fc.record({ messageId: id, emoji: fc.oneof(fc.constantFrom("👍", "❤️", "❤", "🚀", ""), hostileString), on: fc.oneof(fc.boolean(), hostileJson) }, { requiredKeys: [] }),
      chat_read: fc.record({ upToMessageId: id }, { requiredKeys: [] }),
      chat_correct: fc.record({ messageId: id, original: fc.oneof(fc.constant("targ"), text), corrected: text, note: fc.oneof(hostileString, hostileJson) }, { requiredKeys: [] }),
      typing: hostileJson,
      chat_mute: fc.record({ userId: fc.oneof(fc.constant(other.learner.userId), hostileString), minutes: fc.oneof(fc.integer(), hostileJson) }, { requiredKeys: [] }),
      chat_slow_mode: fc.record({ seconds: fc.oneof(fc.integer(), hostileJson) }, { requiredKeys: [] }),
    };
    for (const [type, arbitrary] of Object.entries(families)) {
      await fuzzFamily(fuzzer.room, collector, type, fc.oneof(hostileJson, arbitrary), (value: unknown) => fuzzer.room.send(type, value));
    }
    await fuzzFamily(fuzzer.room, collector, "bytes", fc.tuple(fc.constantFrom("chat_send", "chat_edit", "typing", "x"), fc.uint8Array({ maxLength: 512 })), ([type, bytes]: [string, Uint8Array]) => fuzzer.room.sendBytes(type, bytes));

    other.room.send("chat_send", { text: "still here", clientMessageId: "after" });
    await eventually(() => fuzzer.inbox.all<ChatMessageView>("chat_message").some((m) => m.text === "still here"), "a message after the fuzzing reaches the fuzzer", 10_000);
  });
});
