/**
 * The hello_world server: syscall 999 with the chapter's semantics, error codes and log lines.
 *
 *   long hello_world(const char *str, unsigned int str_len, char *buf, unsigned int buf_len)
 *
 * −1 name too long (str_len ≥ 64), −2 str_len runs past the caller's buffer (copy_from_user
 * fails), −3 "Hello <name>!" does not fit buf_len − 1 (unsigned: buf_len 0 wraps and passes),
 * −4 the message does not fit the buffer the caller really has (copy_to_user fails); 0 and the
 * message plus NUL in buf on success.
 */
import type { Logger } from "pino";
import type { ServerDefinition } from "../../kernel-core/server-runtime.js";
import { decodeUtf8, untilNul, utf8 } from "../../kernel-core/abi/strings.js";

const MAX_NAME = 64;
const HELLO = utf8("Hello ");
const BANG = utf8("!");

export function createHelloServer(deps: { log: Logger }): ServerDefinition {
  const { log } = deps;
  return {
    name: "hello",
    handlers: {
      hello_world(ctx) {
        log.info("System call fired!");
        const strLen = ctx.uint(1);
        if (strLen >= MAX_NAME) {
          log.info("Too long input string.");
          return -1;
        }
        const raw = ctx.copyIn(0, strLen);
        if (raw === null) {
          log.info("Copy from user space failed.");
          return -2;
        }
        const name = untilNul(raw);
        // "Hello " + name + "!" + NUL, built from bytes so the lengths are C's strlen.
        const message = new Uint8Array(HELLO.length + name.length + BANG.length + 1);
        message.set(HELLO, 0);
        message.set(name, HELLO.length);
        message.set(BANG, HELLO.length + name.length);
        const length = message.length - 1;
        const bufLen = ctx.uint(3);
        if (length >= ((bufLen - 1) >>> 0)) {
          log.info("Too small output buffer.");
          return -3;
        }
        if (!ctx.copyOut(2, message, bufLen)) {
          log.info("Copy to user space failed.");
          return -4;
        }
        log.info(`Message: ${decodeUtf8(message.subarray(0, length))}`);
        return 0;
      },
    },
  };
}
