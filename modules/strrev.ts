/**
 * strrev: a module that adds a new syscall, number 1000, to a running kernel — no rebuild, no
 * reboot (the chapter had to recompile Linux and restart to add 999).
 *
 *   long strrev(const char *src, size_t len, char *dst, size_t dstlen)
 *
 * Writes the first `len` bytes of src reversed, plus a NUL, into dst; returns len. EFAULT if
 * len runs past src; ERANGE if dst cannot hold len + 1 bytes. After `natix rmmod strrev`,
 * syscall 1000 is ENOSYS again.
 */
import type { KernelModule } from "natix/kernel";

const EFAULT = 14;
const ERANGE = 34;

const strrev: KernelModule = {
  name: "strrev",
  description: "adds syscall 1000, strrev",
  syscalls: [
    {
      nr: 1000,
      name: "strrev",
      args: [
        { name: "src", kind: "in", len: 1, fmt: "str" },
        { name: "len", kind: "ulong" },
        { name: "dst", kind: "out", len: 3, shows: "cstr" },
        { name: "dstlen", kind: "ulong" },
      ],
      handler(ctx) {
        const len = ctx.size(1);
        const src = ctx.copyIn(0, len);
        if (src === null) return -EFAULT;
        if (ctx.size(3) < len + 1) return -ERANGE;
        const out = new Uint8Array(len + 1);
        out.set(src.slice().reverse());
        return ctx.copyOut(2, out, ctx.size(3)) ? len : -EFAULT;
      },
    },
  ],
  init(k) {
    k.printk("strrev: syscall 1000 added");
  },
  exit(k) {
    k.printk("strrev: syscall 1000 removed");
  },
};

export default strrev;
