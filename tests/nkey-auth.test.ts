/**
 * natix answers nats-server's nonce with node's own Ed25519 (transport/nkey-auth.ts): the answer
 * must be exactly nats.js's — the same user key, the same deterministic signature — for a JWT and
 * seed and for a .creds file; a file that is not one is refused before connecting.
 */
import { describe, expect, it } from "vitest";
import { createAccount, createUser } from "@nats-io/nkeys";
import { encodeUser, fmtCreds } from "@nats-io/jwt";
import { credsAuthenticator, jwtAuthenticator } from "@nats-io/transport-node";
import { credsFileAuthenticator, nkeyJwtAuthenticator } from "../build/transport/nkey-auth.js";

describe("the nonce's answer", () => {
  it("is nats.js's own, byte for byte, from a JWT and seed and from a .creds file", async () => {
    const user = createUser();
    const jwt = await encodeUser("p42", user, createAccount());
    const creds = fmtCreds(jwt, user);
    for (const nonce of ["Z2zq0X7yQnE", "a-much-longer-nonce-with-other-bytes_0123456789", undefined]) {
      const want = jwtAuthenticator(jwt, user.getSeed())(nonce);
      expect(nkeyJwtAuthenticator(jwt, user.getSeed())(nonce)).toEqual(want);
      expect(credsFileAuthenticator(creds)(nonce)).toEqual(credsAuthenticator(creds)(nonce));
      expect(want).toMatchObject({ jwt, nkey: user.getPublicKey() });
    }
  });

  it("a file that holds no JWT and seed, or a seed that is not one, is refused with a message", () => {
    expect(() => credsFileAuthenticator(new TextEncoder().encode("not credentials\n"))).toThrow("unable to parse credentials");
    expect(() => nkeyJwtAuthenticator("a.b.c", new TextEncoder().encode("SUNOTASEED"))).toThrow();
  });
});
