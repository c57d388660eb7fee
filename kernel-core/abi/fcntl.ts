/**
 * Linux x86-64 values of the flags and constants file syscalls take: O_*, AT_*, F_*, S_*,
 * SEEK_*, access modes. natix/libc exports them; the vfs server and strace read them.
 */
export const O = Object.freeze({
  RDONLY: 0,
  WRONLY: 1,
  RDWR: 2,
  ACCMODE: 3,
  CREAT: 0o100,
  EXCL: 0o200,
  NOCTTY: 0o400,
  TRUNC: 0o1000,
  APPEND: 0o2000,
  NONBLOCK: 0o4000,
  DSYNC: 0o10000,
  ASYNC: 0o20000,
  DIRECT: 0o40000,
  LARGEFILE: 0o100000,
  DIRECTORY: 0o200000,
  NOFOLLOW: 0o400000,
  NOATIME: 0o1000000,
  CLOEXEC: 0o2000000,
  SYNC: 0o4010000,
  PATH: 0o10000000,
  TMPFILE: 0o20200000,
});

export const AT = Object.freeze({
  FDCWD: -100,
  SYMLINK_NOFOLLOW: 0x100,
  REMOVEDIR: 0x200,
  EACCESS: 0x200,
  SYMLINK_FOLLOW: 0x400,
  NO_AUTOMOUNT: 0x800,
  EMPTY_PATH: 0x1000,
});

export const F = Object.freeze({
  DUPFD: 0,
  GETFD: 1,
  SETFD: 2,
  GETFL: 3,
  SETFL: 4,
  DUPFD_CLOEXEC: 1030,
});

export const FD_CLOEXEC = 1;

export const SEEK = Object.freeze({ SET: 0, CUR: 1, END: 2, DATA: 3, HOLE: 4 });

/** access(2) modes. */
export const ACCESS = Object.freeze({ F_OK: 0, X_OK: 1, W_OK: 2, R_OK: 4 });

/** st_mode bits. */
export const S_IF = Object.freeze({
  MT: 0o170000,
  SOCK: 0o140000,
  LNK: 0o120000,
  REG: 0o100000,
  BLK: 0o060000,
  DIR: 0o040000,
  CHR: 0o020000,
  IFO: 0o010000,
});

/** st_mode's set-user-ID, set-group-ID and sticky bits. */
export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_ISVTX = 0o1000;

export const RENAME = Object.freeze({ NOREPLACE: 1, EXCHANGE: 2, WHITEOUT: 4 });

/** ioctl request that isatty() uses. */
export const TCGETS = 0x5401;
/** sizeof(struct termios) on x86-64 (the kernel's, as TCGETS fills it). */
export const TERMIOS_SIZE = 60;

/** Names of flag bits, for strace's `O_RDWR|O_CREAT|O_CLOEXEC`. */
export const FLAG_NAMES: Readonly<Record<string, ReadonlyArray<[number, string]>>> = {
  open: [
    [O.CREAT, "O_CREAT"], [O.EXCL, "O_EXCL"], [O.NOCTTY, "O_NOCTTY"], [O.TRUNC, "O_TRUNC"],
    [O.APPEND, "O_APPEND"], [O.NONBLOCK, "O_NONBLOCK"], [O.SYNC, "O_SYNC"], [O.DSYNC, "O_DSYNC"],
    [O.ASYNC, "O_ASYNC"], [O.DIRECT, "O_DIRECT"], [O.LARGEFILE, "O_LARGEFILE"], [O.DIRECTORY, "O_DIRECTORY"],
    [O.NOFOLLOW, "O_NOFOLLOW"], [O.NOATIME, "O_NOATIME"], [O.CLOEXEC, "O_CLOEXEC"], [O.PATH, "O_PATH"],
  ],
  at: [[AT.SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"], [AT.REMOVEDIR, "AT_REMOVEDIR"], [AT.SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"], [AT.EMPTY_PATH, "AT_EMPTY_PATH"]],
  access: [[ACCESS.R_OK, "R_OK"], [ACCESS.W_OK, "W_OK"], [ACCESS.X_OK, "X_OK"]],
};
