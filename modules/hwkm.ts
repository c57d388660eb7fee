/**
 * hwkm, the Hello World kernel module of the chapter (example 11.3): on load it creates
 * /proc/hwkm and logs "Hello World module is loaded."; reading /proc/hwkm gives
 * "Hello World From Kernel Module!" every time; on unload it removes the entry and logs
 * "Goodbye World!".
 *
 *   natix insmod hwkm && natix run examples/cat.mjs /proc/hwkm && natix rmmod hwkm && natix dmesg
 */
import type { KernelModule } from "natix/kernel";

const hwkm: KernelModule = {
  name: "hwkm",
  description: "Hello World Kernel Module",
  proc: {
    hwkm: () => "Hello World From Kernel Module!\n",
  },
  init(k) {
    k.printk("Hello World module is loaded.");
  },
  exit(k) {
    k.printk("Goodbye World!");
  },
};

export default hwkm;
