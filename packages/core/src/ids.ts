import type { TaskId } from './task.js';

const IDS_PER_REFILL = 256;
const HEX = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  const h = i.toString(16).padStart(2, '0');
  HEX[2 * i] = h.charCodeAt(0);
  HEX[2 * i + 1] = h.charCodeAt(1);
}
/** Where each random byte's two hex digits go in `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`. */
const AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/**
 * Makes UUID v4 ids (122 random bits from `crypto.getRandomValues`, like `crypto.randomUUID`)
 * as flat strings. Node's `randomUUID` returns a string built from ~20 concatenated pieces,
 * which V8 must flatten the first time it hashes it as a Map key: with one id per task that
 * flattening cost more than generating the id.
 *
 * @example const nextId = createIdGenerator(); nextId() // 'f3b1…'
 */
export function createIdGenerator(): () => TaskId {
  const random = new Uint8Array(16 * IDS_PER_REFILL);
  let at = random.length;
  const text = new Uint8Array(36);
  text[8] = text[13] = text[18] = text[23] = 0x2d; // '-'
  const decoder = new TextDecoder('latin1');
  return () => {
    if (at === random.length) {
      crypto.getRandomValues(random);
      at = 0;
    }
    random[at + 6] = (random[at + 6]! & 0x0f) | 0x40; // version 4
    random[at + 8] = (random[at + 8]! & 0x3f) | 0x80; // variant 10xx
    for (let i = 0; i < 16; i++) {
      const byte = random[at + i]!;
      const p = AT[i]!;
      text[p] = HEX[2 * byte]!;
      text[p + 1] = HEX[2 * byte + 1]!;
    }
    at += 16;
    return decoder.decode(text) as TaskId;
  };
}
