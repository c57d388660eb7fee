/*
 * The native baseline: the same operations as real Linux syscalls, timed one at a time.
 *   bench OP ITERATIONS WARMUP FILE
 * OP: getpid (syscall(SYS_getpid), never cached), write64 (to /dev/null), pread4k, pwrite4k
 * (on FILE), mmap (mmap + munmap of 4 KiB), open (open + close of FILE); and processes:
 * spawn (posix_spawn of /bin/true, then waitpid), pingpong (1 byte written to a /bin/cat child
 * on a pipe and read back from it on another), pipecat (ITERATIONS chunks of 64 KiB written
 * through a /bin/cat child while reading them back, then close and waitpid; each "latency" is
 * the time between two chunks' worth coming back; the elapsed time runs from the first write
 * to end of file, the spawn before it and the waitpid after it untimed).
 * Writes to stdout, as native-endian int64: the elapsed time of the timed loop, then each
 * call's latency, all in nanoseconds; the caller builds the same HDR histogram from them as it
 * does for every other path, so percentiles are computed one way only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

#define CHUNK 65536

/* /bin/cat with its stdin on *to and its stdout on *from (the parent's ends): its pid, or -1. */
static pid_t spawn_cat(int *to, int *from) {
  int in[2], out[2];
  if (pipe(in) || pipe(out)) return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addclose(&fa, in[0]);
  posix_spawn_file_actions_addclose(&fa, in[1]);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  posix_spawn_file_actions_addclose(&fa, out[1]);
  char *argv[] = {"cat", NULL};
  pid_t pid;
  int r = posix_spawn(&pid, "/bin/cat", &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  if (r) return -1;
  *to = in[1];
  *from = out[0];
  return pid;
}

static int exited_0(pid_t pid) {
  int status;
  return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* n chunks of 64 KiB through cat, written and read back concurrently (poll), timed from the
 * first write to end of file in *elapsed: 0 or -1. */
static int pipecat(long n, long long *lat, long long *elapsed) {
  int to, from;
  pid_t pid = spawn_cat(&to, &from);
  if (pid < 0) return -1;
  static char out[CHUNK], in[CHUNK];
  memset(out, 'x', sizeof out);
  fcntl(to, F_SETFL, O_NONBLOCK);
  long long start = now_ns(), total = (long long)n * CHUNK, written = 0, got = 0, last = start;
  long next = 0;
  while (got < total) {
    struct pollfd p[2] = {{from, POLLIN, 0}, {written < total ? to : -1, POLLOUT, 0}};
    if (poll(p, 2, -1) < 0) return -1;
    if (p[1].revents & POLLOUT) {
      ssize_t w = write(to, out + written % CHUNK, CHUNK - written % CHUNK);
      if (w < 0 && errno != EAGAIN) return -1;
      if (w > 0 && (written += w) == total) close(to);
    }
    if (p[0].revents & (POLLIN | POLLHUP)) {
      ssize_t r = read(from, in, sizeof in);
      if (r <= 0) return -1;
      got += r;
      for (; next < n && got >= (long long)(next + 1) * CHUNK; next++) {
        long long t = now_ns();
        lat[next] = t - last;
        last = t;
      }
    }
  }
  if (read(from, in, sizeof in) != 0) return -1;
  *elapsed = now_ns() - start;
  close(from);
  return exited_0(pid) ? 0 : -1;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: bench OP ITERATIONS WARMUP FILE\n");
    return 2;
  }
  const char *op = argv[1];
  long n = atol(argv[2]), warmup = atol(argv[3]);
  const char *file = argv[4];
  int devnull = open("/dev/null", O_WRONLY);
  int fd = open(file, O_RDWR | O_CREAT, 0644);
  static char buf[4096];
  memset(buf, 'x', sizeof buf);
  if (pwrite(fd, buf, sizeof buf, 0) != sizeof buf) return 1;
  long long *lat = malloc(sizeof(long long) * (n > 0 ? n : 1));
  if (n <= 0 || warmup < 0 || lat == NULL) return 2;
  if (!strcmp(op, "pipecat")) {
    long long elapsed;
    if (pipecat(n, lat, &elapsed)) return 1;
    if (fwrite(&elapsed, sizeof elapsed, 1, stdout) != 1 || fwrite(lat, sizeof *lat, n, stdout) != (size_t)n) return 1;
    return 0;
  }
  int to = -1, from = -1;
  pid_t cat = -1;
  if (!strcmp(op, "pingpong") && (cat = spawn_cat(&to, &from)) < 0) return 1;
  long long start = 0;
  for (long i = -warmup; i < n; i++) {
    if (i == 0) start = now_ns();
    long long t0 = now_ns();
    if (!strcmp(op, "getpid")) syscall(SYS_getpid);
    else if (!strcmp(op, "write64")) { if (write(devnull, buf, 64) != 64) return 1; }
    else if (!strcmp(op, "pread4k")) { if (pread(fd, buf, 4096, 0) != 4096) return 1; }
    else if (!strcmp(op, "pwrite4k")) { if (pwrite(fd, buf, 4096, 0) != 4096) return 1; }
    else if (!strcmp(op, "mmap")) {
      void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) return 1;
      munmap(p, 4096);
    } else if (!strcmp(op, "open")) {
      int f = open(file, O_RDONLY);
      if (f < 0) return 1;
      close(f);
    } else if (!strcmp(op, "spawn")) {
      char *argv[] = {"true", NULL};
      pid_t pid;
      if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) || !exited_0(pid)) return 1;
    } else if (!strcmp(op, "pingpong")) {
      if (write(to, buf, 1) != 1 || read(from, buf, 1) != 1) return 1;
    } else {
      fprintf(stderr, "unknown op %s\n", op);
      return 2;
    }
    if (i >= 0) lat[i] = now_ns() - t0;
  }
  long long elapsed = now_ns() - start;
  if (cat > 0) {
    close(to);
    if (read(from, buf, 1) != 0 || !exited_0(cat)) return 1;
    close(from);
  }
  if (fwrite(&elapsed, sizeof elapsed, 1, stdout) != 1 || fwrite(lat, sizeof *lat, n, stdout) != (size_t)n) return 1;
  return 0;
}
