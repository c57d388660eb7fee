/** <stdlib.h>'s environment: getenv, setenv, unsetenv, and environ as "NAME=value" strings. */
import type { Process } from "./process.js";
import { E } from "../kernel-core/errno.js";
import { environOf } from "./spawn.js";

export function envCalls(p: Process) {
  const badName = (name: string) => name === "" || name.includes("=");
  return {
    getenv: (name: string): string | undefined => p.env.get(name),
    /** setenv(3): 0, or −1 with EINVAL for a name that is empty or has '='. */
    setenv: (name: string, value: string, overwrite = 1): number => {
      if (badName(name)) return ((p.errno = E.EINVAL), -1);
      if (overwrite || !p.env.has(name)) p.env.set(name, String(value));
      return 0;
    },
    unsetenv: (name: string): number => {
      if (badName(name)) return ((p.errno = E.EINVAL), -1);
      p.env.delete(name);
      return 0;
    },
    /** The environment as envp: "NAME=value" strings. */
    environ: (): string[] => environOf(p),
  };
}
