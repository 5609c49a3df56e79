import assert from "node:assert/strict";
import { ParleyError } from "../../../src/errors/errorCodes.js";
import {
  IceCandidateBudget,
  MAX_SDP_BYTES,
  validateIceCandidate,
  validateSdp,
} from "../../../src/session/signalingValidation.js";
import {
  REALISTIC_AUDIO_ANSWER,
  REALISTIC_AUDIO_OFFER,
  REALISTIC_ICE_CANDIDATE,
  REALISTIC_SRFLX_CANDIDATE,
} from "./fixtures/sdp.js";

/** The ParleyError thrown by `fn`, failing the test if none. */
function thrown(fn: () => unknown): ParleyError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ParleyError, `expected a ParleyError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a throw");
}

/** The offer padded with an `a=` line to exactly `bytes` UTF-8 bytes. */
function offerOfSize(bytes: number): string {
  const prefix = "a=x-pad:";
  const padding = bytes - Buffer.byteLength(REALISTIC_AUDIO_OFFER) - prefix.length - 2;
  const sdp = `${REALISTIC_AUDIO_OFFER}${prefix}${"x".repeat(padding)}\r\n`;
  assert.equal(Buffer.byteLength(sdp), bytes);
  return sdp;
}

const replaceLine = (sdp: string, from: RegExp, to: string) => {
  const out = sdp.replace(from, to);
  assert.notEqual(out, sdp, "fixture line not found");
  return out;
};

describe("validateSdp (DESIGN §5, seed 002 §8.3)", () => {
  it("accepts a realistic Chrome audio offer and answer", () => {
    assert.doesNotThrow(() => validateSdp(REALISTIC_AUDIO_OFFER));
    assert.doesNotThrow(() => validateSdp(REALISTIC_AUDIO_ANSWER));
  });

  it("uses CRLF line endings in the fixtures and also accepts LF-only SDP", () => {
    assert.ok(REALISTIC_AUDIO_OFFER.endsWith("\r\n"));
    assert.ok(!/[^\r]\n/.test(REALISTIC_AUDIO_OFFER));
    assert.doesNotThrow(() => validateSdp(REALISTIC_AUDIO_OFFER.replaceAll("\r\n", "\n")));
  });

  it("accepts exactly 10 KiB and refuses one byte more with SDP_TOO_LARGE", () => {
    assert.doesNotThrow(() => validateSdp(offerOfSize(MAX_SDP_BYTES)));
    assert.equal(thrown(() => validateSdp(offerOfSize(MAX_SDP_BYTES + 1))).code, "SDP_TOO_LARGE");
  });

  it("measures UTF-8 bytes, not characters", () => {
    const name = "é".repeat(5000); // 5000 chars, 10000 bytes
    const sdp = replaceLine(REALISTIC_AUDIO_OFFER, /^s=-$/m, `s=${name}`);
    assert.ok(sdp.length <= MAX_SDP_BYTES);
    assert.equal(thrown(() => validateSdp(sdp)).code, "SDP_TOO_LARGE");
  });

  it("refuses a huge string with SDP_TOO_LARGE", () => {
    assert.equal(thrown(() => validateSdp("v=0\r\n" + "a".repeat(1_000_000))).code, "SDP_TOO_LARGE");
  });

  for (const [label, value] of [
    ["undefined", undefined],
    ["null", null],
    ["a number", 42],
    ["an object", { type: "offer", sdp: REALISTIC_AUDIO_OFFER }],
    ["a buffer", Buffer.from(REALISTIC_AUDIO_OFFER)],
    ["an empty string", ""],
  ] as const) {
    it(`refuses ${label} with INVALID_SDP`, () => {
      assert.equal(thrown(() => validateSdp(value)).code, "INVALID_SDP");
    });
  }

  for (const [label, sdp] of [
    ["garbage text", "hello, this is not a session description"],
    ["JSON", JSON.stringify({ type: "offer", sdp: "v=0" })],
    ["HTML", "<script>alert(1)</script>"],
    ["only v=0", "v=0\r\n"],
  ] as const) {
    it(`refuses ${label} with INVALID_SDP`, () => {
      assert.equal(thrown(() => validateSdp(sdp)).code, "INVALID_SDP");
    });
  }

  for (const [label, from, to] of [
    ["a version other than 0", /^v=0$/m, "v=1"],
    ["no o= line", /^o=.*\r\n/m, ""],
    ["a malformed o= line", /^o=.*$/m, "o=nonsense"],
    ["no s= line", /^s=.*\r\n/m, ""],
    ["no t= line", /^t=.*\r\n/m, ""],
    ["a malformed t= line", /^t=.*$/m, "t=soon"],
    ["no m= section", /^m=.*\r\n/m, ""],
    ["a malformed m= line", /^m=.*$/m, "m=audio"],
    ["a line that is not x=value", /^a=rtcp-mux$/m, "<img src=x onerror=alert(1)>"],
    ["an upper-case line type", /^a=rtcp-mux$/m, "A=rtcp-mux"],
    ["a NUL byte", /^a=rtcp-mux$/m, "a=rtcp-mux\u0000"],
    ["a bell control byte", /^a=rtcp-mux$/m, "a=rtcp\u0007-mux"],
    ["an escape sequence", /^s=-$/m, "s=\u001b[31m"],
    ["a DEL byte", /^s=-$/m, "s=\u007f"],
    ["a lone CR splitting a line", /^a=rtcp-mux$/m, "a=rtcp-mux\ra=injected:1"],
  ] as const) {
    it(`refuses an offer with ${label} with INVALID_SDP`, () => {
      const sdp = replaceLine(REALISTIC_AUDIO_OFFER, from, to);
      assert.equal(thrown(() => validateSdp(sdp)).code, "INVALID_SDP");
    });
  }

  it("requires v=0 as the first line", () => {
    const sdp = replaceLine(REALISTIC_AUDIO_OFFER, /^v=0\r\n/, "") .replace(/^s=-\r\n/m, "s=-\r\nv=0\r\n");
    assert.equal(thrown(() => validateSdp(sdp)).code, "INVALID_SDP");
  });

  it("never puts any part of the SDP in the error message", () => {
    const secret = "ice-pwd:HVZ0c76gCZfzToLYqrBmT6tm";
    const broken = replaceLine(REALISTIC_AUDIO_OFFER, /^v=0$/m, "v=9");
    for (const sdp of [broken, offerOfSize(MAX_SDP_BYTES + 1), REALISTIC_AUDIO_OFFER + "\u0000"]) {
      const err = thrown(() => validateSdp(sdp));
      assert.ok(!err.message.includes(secret), err.message);
      assert.ok(!err.message.includes("v=9"), err.message);
      assert.ok(err.message.length < 100, err.message);
    }
  });
});

describe("validateIceCandidate (DESIGN §5)", () => {
  it("accepts realistic host and srflx candidates and returns them", () => {
    assert.deepEqual(validateIceCandidate(REALISTIC_ICE_CANDIDATE), REALISTIC_ICE_CANDIDATE);
    assert.deepEqual(validateIceCandidate(REALISTIC_SRFLX_CANDIDATE), REALISTIC_SRFLX_CANDIDATE);
  });

  it("accepts null optional fields and either sdpMid or sdpMLineIndex", () => {
    assert.doesNotThrow(() =>
      validateIceCandidate({ ...REALISTIC_ICE_CANDIDATE, sdpMid: null, usernameFragment: null }),
    );
    assert.doesNotThrow(() => validateIceCandidate({ candidate: REALISTIC_ICE_CANDIDATE.candidate, sdpMid: "0" }));
  });

  it("accepts an end-of-candidates message (empty candidate)", () => {
    assert.doesNotThrow(() => validateIceCandidate({ candidate: "" }));
    assert.doesNotThrow(() => validateIceCandidate({ candidate: "", sdpMid: "0", sdpMLineIndex: 0 }));
  });

  it("accepts a candidate of exactly 1 KiB and refuses 1 byte more", () => {
    const at = (n: number) => ({ ...REALISTIC_ICE_CANDIDATE, candidate: "candidate:" + "1".repeat(n - 10) });
    assert.doesNotThrow(() => validateIceCandidate(at(1024)));
    assert.equal(thrown(() => validateIceCandidate(at(1025))).code, "INVALID_REQUEST");
  });

  for (const [label, value] of [
    ["undefined", undefined],
    ["null", null],
    ["a string", REALISTIC_ICE_CANDIDATE.candidate],
    ["an array", [REALISTIC_ICE_CANDIDATE]],
    ["a missing candidate", { sdpMid: "0", sdpMLineIndex: 0 }],
    ["a numeric candidate", { ...REALISTIC_ICE_CANDIDATE, candidate: 7 }],
    ["a candidate without the candidate: prefix", { ...REALISTIC_ICE_CANDIDATE, candidate: "rm -rf /" }],
    ["a newline in the candidate", { ...REALISTIC_ICE_CANDIDATE, candidate: "candidate:1 1 udp 1 1.2.3.4 5 typ host\r\na=x" }],
    ["neither sdpMid nor sdpMLineIndex", { candidate: REALISTIC_ICE_CANDIDATE.candidate, sdpMid: null, sdpMLineIndex: null }],
    ["a negative sdpMLineIndex", { ...REALISTIC_ICE_CANDIDATE, sdpMLineIndex: -1 }],
    ["a fractional sdpMLineIndex", { ...REALISTIC_ICE_CANDIDATE, sdpMLineIndex: 0.5 }],
    ["a string sdpMLineIndex", { ...REALISTIC_ICE_CANDIDATE, sdpMLineIndex: "0" }],
    ["a numeric sdpMid", { ...REALISTIC_ICE_CANDIDATE, sdpMid: 0 }],
    ["a numeric usernameFragment", { ...REALISTIC_ICE_CANDIDATE, usernameFragment: 1 }],
    ["an unknown field", { ...REALISTIC_ICE_CANDIDATE, sdp: REALISTIC_AUDIO_OFFER }],
  ] as const) {
    it(`refuses ${label} with INVALID_REQUEST`, () => {
      assert.equal(thrown(() => validateIceCandidate(value)).code, "INVALID_REQUEST");
    });
  }

  it("names the field, never its value, in the error", () => {
    const err = thrown(() => validateIceCandidate({ ...REALISTIC_ICE_CANDIDATE, sdpMLineIndex: "secret-value" }));
    assert.match(err.message, /sdpMLineIndex/);
    assert.ok(!err.message.includes("secret-value"));
  });
});

describe("IceCandidateBudget", () => {
  it("allows 50 candidates per participant and refuses the 51st with RATE_LIMITED", () => {
    const budget = new IceCandidateBudget();
    for (let i = 1; i <= 50; i++) assert.equal(budget.consume("alice"), 50 - i);
    assert.equal(budget.remaining("alice"), 0);
    const err = thrown(() => budget.consume("alice"));
    assert.equal(err.code, "RATE_LIMITED");
    assert.equal(err.status, 429);
  });

  it("does not count refused candidates and keeps participants apart", () => {
    const budget = new IceCandidateBudget(2);
    budget.consume("alice");
    budget.consume("alice");
    assert.throws(() => budget.consume("alice"), { code: "RATE_LIMITED" });
    assert.throws(() => budget.consume("alice"), { code: "RATE_LIMITED" });
    assert.equal(budget.remaining("alice"), 0);
    assert.equal(budget.remaining("bob"), 2);
    assert.equal(budget.consume("bob"), 1);
  });
});
