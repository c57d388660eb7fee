/** A command line that a command cannot run: the CLI prints the message and the usage, exit 2. */
export class UsageError extends Error {}
