/**
 * The C library calls the shell makes, all from natix/libc (the relative path, so tsc compiles
 * the shell against this checkout's libc). One list, to see at a glance what a shell needs of
 * its C library: files and descriptors, pipes, posix_spawn and waitpid, the environment.
 */
export {
  open, read, write, close, dup2, fcntl, pipe, chdir, getcwd, isatty, getpid, strerror, E, errno,
  lstat, opendir, readdir, closedir, unlink, lseek, SEEK_SET, O_EXCL,
  O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND, O_CLOEXEC, F_DUPFD_CLOEXEC, F_GETFD,
  posix_spawn, posix_spawnp, posix_spawn_file_actions_init, posix_spawn_file_actions_addopen,
  posix_spawn_file_actions_addclose, posix_spawn_file_actions_adddup2,
  waitpid, WIFEXITED, WEXITSTATUS, WIFSIGNALED, WTERMSIG, strsignal, SIGINT, SIGPIPE,
  environ,
} from "../../client-libc/mod.js";
