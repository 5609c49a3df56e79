import type { EventEnvelope } from "./envelope.js";

/** The event bus port (DESIGN §1): publishes envelopes in the order given. */
export interface EventPublisher {
  readonly kind: "file" | "kafka";
  /** Publishes all events or throws; a throw means none may be assumed delivered. */
  publish(events: readonly EventEnvelope[]): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
