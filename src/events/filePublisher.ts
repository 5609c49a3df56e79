import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { EventEnvelope } from "./envelope.js";
import type { EventPublisher } from "./eventPublisher.js";

/**
 * The embedded event bus (DESIGN §1): one JSON object per line appended to `path`
 * (default `./data/events.jsonl`), in outbox order.
 */
export function createFilePublisher(path: string): EventPublisher {
  let ready: Promise<unknown> | undefined;
  return {
    kind: "file",
    async publish(events) {
      if (events.length === 0) return;
      ready ??= mkdir(dirname(path), { recursive: true });
      await ready;
      await appendFile(path, events.map((e: EventEnvelope) => JSON.stringify(e)).join("\n") + "\n");
    },
    async ping() {
      ready ??= mkdir(dirname(path), { recursive: true });
      await ready;
    },
    async close() {},
  };
}
