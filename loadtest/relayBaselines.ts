/**
 * The two baselines of `bench:relay` (loadtest/relayBench.ts), each run as its own child process
 * on 127.0.0.1:
 *
 * - `raw`: plain `ws` sockets; a client connects to `/?pair=<id>` and every JSON message it sends
 *   is parsed, tagged with `from` and re-sent to the other socket of its pair. The floor of what
 *   any relay can do.
 * - `bare`: one Colyseus room per pair (`bare`, `filterBy(["pair"])`, default patch rate, no
 *   state) whose `onMessage("*")` forwards each message to the other client. What Colyseus
 *   itself costs, without parley's code.
 *
 *   npx tsx loadtest/relayBaselines.ts --kind raw|bare --port 2641
 *
 * Prints `listening` once it accepts connections.
 */
import { defineRoom, defineServer, Room, type Client } from "@colyseus/core";
import { WebSocketTransport } from "@colyseus/ws-transport";
import { WebSocketServer, type WebSocket } from "ws";

/** Largest message either baseline takes, in bytes (parley's `WS_MAX_PAYLOAD_BYTES` default). */
const MAX_PAYLOAD_BYTES = 256 * 1024;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** The raw relay: sockets paired by the `pair` query parameter, JSON re-encoded on the way. */
function startRaw(port: number): void {
  const pairs = new Map<string, WebSocket[]>();
  const server = new WebSocketServer({ host: "127.0.0.1", port, maxPayload: MAX_PAYLOAD_BYTES });
  server.on("connection", (socket, request) => {
    const pair = new URL(request.url ?? "/", "http://127.0.0.1").searchParams.get("pair") ?? "";
    const sockets = pairs.get(pair) ?? [];
    sockets.push(socket);
    pairs.set(pair, sockets);
    const side = sockets.length - 1;
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as Record<string, unknown>;
      sockets.find((s) => s !== socket)?.send(JSON.stringify({ ...message, from: side }));
    });
    socket.on("close", () => pairs.delete(pair));
  });
  server.on("listening", () => console.log("listening"));
}

/** A Colyseus room that forwards every message to the other client of its pair. */
class BareRelayRoom extends Room {
  override maxClients = 2;

  override onCreate(): void {
    this.onMessage("*", (client: Client, type: string | number, message: unknown) => {
      for (const other of this.clients) if (other !== client) other.send(type, message);
    });
  }
}

async function startBare(port: number): Promise<void> {
  const server = defineServer({
    rooms: { bare: defineRoom(BareRelayRoom).filterBy(["pair"]) },
    transport: new WebSocketTransport({ maxPayload: MAX_PAYLOAD_BYTES }),
    gracefullyShutdown: false,
  });
  await server.listen(port, "127.0.0.1");
  console.log("listening");
}

const kind = arg("kind", "raw");
const port = Number(arg("port", "2641"));
if (kind === "raw") startRaw(port);
else if (kind === "bare") void startBare(port);
else throw new Error(`--kind raw|bare, got ${kind}`);
