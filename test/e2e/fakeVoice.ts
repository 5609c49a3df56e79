import { writeFileSync } from "node:fs";

/**
 * Writes a WAV file Chromium can use as its fake microphone (`--use-file-for-fake-audio-capture`,
 * looped): 16-bit mono 48 kHz, "talk" bursts of `onSeconds` — a 180 Hz voice-like harmonic tone
 * with a 4 Hz syllable envelope — separated by `offSeconds` of silence. Unlike Chromium's default
 * fake device (a 100 ms beep each second), it gives the app's voice-activity detector clear
 * speaking/silent edges. Sizes: 5 s ≈ 470 KiB.
 */
export function writeFakeVoiceWav(path: string, options: { onSeconds?: number; offSeconds?: number; bursts?: number } = {}): void {
  const { onSeconds = 1.2, offSeconds = 1.3, bursts = 2 } = options;
  const rate = 48_000;
  const samples = Math.round((onSeconds + offSeconds) * bursts * rate);
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write("RIFF", 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write("WAVE", 8);
  wav.write("fmt ", 12);
  wav.writeUInt32LE(16, 16); // fmt chunk size
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28); // byte rate
  wav.writeUInt16LE(2, 32); // block align
  wav.writeUInt16LE(16, 34); // bits per sample
  wav.write("data", 36);
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) {
    const t = i / rate;
    const talking = t % (onSeconds + offSeconds) < onSeconds;
    const envelope = talking ? 0.5 * (0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t)) : 0;
    const voice = (Math.sin(2 * Math.PI * 180 * t) + 0.5 * Math.sin(2 * Math.PI * 360 * t) + 0.3 * Math.sin(2 * Math.PI * 720 * t)) / 1.8;
    wav.writeInt16LE(Math.round(envelope * voice * 32767), 44 + i * 2);
  }
  writeFileSync(path, wav);
}
