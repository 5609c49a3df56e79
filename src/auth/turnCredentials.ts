import { createHmac } from "node:crypto";
import type { Config } from "../config/config.js";

/** One entry of `RTCConfiguration.iceServers`. */
export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/**
 * The ICE servers for one user (DESIGN §7): STUN as configured, and TURN with time-limited
 * credentials of the TURN REST API — username `expiry:userId` (expiry in epoch seconds),
 * credential `base64(HMAC-SHA1(TURN_SECRET, username))` — or the static TURN pair when no secret.
 * @param now epoch milliseconds
 */
export function iceServersFor(webrtc: Config["webrtc"], userId: string, now: number): IceServer[] {
  const servers: IceServer[] = [];
  if (webrtc.stunServerUrl) servers.push({ urls: [webrtc.stunServerUrl] });
  if (webrtc.turnServerUrl) {
    if (webrtc.turnSecret) {
      const expiry = Math.floor(now / 1000) + webrtc.turnCredentialTtlSeconds;
      const username = `${expiry}:${userId}`;
      const credential = createHmac("sha1", webrtc.turnSecret).update(username).digest("base64");
      servers.push({ urls: [webrtc.turnServerUrl], username, credential });
    } else {
      servers.push({ urls: [webrtc.turnServerUrl], username: webrtc.turnUsername, credential: webrtc.turnCredential });
    }
  }
  return servers;
}
