/**
 * Ed25519 signing by Node's crypto instead of @nats-io/nkeys' pure-JavaScript one (the same
 * signatures — Ed25519 is deterministic — about 250 times faster), and the key pair's public
 * and private keys computed once instead of on every call. It matters because the kernel signs
 * on its hot paths — a JWT per spawn, an account JWT per exit — and ~35 ms per JWT held every
 * process's syscalls back meanwhile (the dashboard's latency chart showed it: exit_group at a
 * 30 ms p50).
 */
import { createPrivateKey, sign, type KeyObject } from "node:crypto";
import type { KeyPair } from "@nats-io/nkeys";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32Decode(text: string): Uint8Array {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw new Error("not base32");
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

/** PKCS#8 wrapping of a raw 32-byte Ed25519 seed. */
const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex");

/** The key pair, signing natively; everything else as it was. */
export function nativeSigner(kp: KeyPair): KeyPair {
  // An nkey seed is base32 of: two prefix bytes, the 32-byte Ed25519 seed, a two-byte CRC.
  const raw = base32Decode(new TextDecoder().decode(kp.getSeed())).subarray(2, 34);
  const key: KeyObject = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, raw]), format: "der", type: "pkcs8" });
  // nkeys derives both from the seed, in JavaScript, on every call (~7 ms each); a JWT asks
  // several times.
  const publicKey = kp.getPublicKey();
  const privateKey = kp.getPrivateKey();
  return {
    getPublicKey: () => publicKey,
    getPrivateKey: () => privateKey,
    getSeed: () => kp.getSeed(),
    sign: (input) => new Uint8Array(sign(null, input, key)),
    verify: (input, sig) => kp.verify(input, sig),
    clear: () => kp.clear(),
    seal: (input, recipient, nonce) => kp.seal(input, recipient, nonce),
    open: (message, sender) => kp.open(message, sender),
  };
}
