/*
 * The native baseline: the same operations as real Linux syscalls, timed one at a time.
 *   bench OP ITERATIONS WARMUP FILE
 * OP: getpid (syscall(SYS_getpid), never cached), write64 (to /dev/null), pread4k, pwrite4k
 * (on FILE), mmap (mmap + munmap of 4 KiB), open (open + close of FILE).
 * Writes to stdout, as native-endian int64: the elapsed time of the timed loop, then each
 * call's latency, all in nanoseconds; the caller builds the same HDR histogram from them as it
 * does for every other path, so percentiles are computed one way only.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
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
    } else {
      fprintf(stderr, "unknown op %s\n", op);
      return 2;
    }
    if (i >= 0) lat[i] = now_ns() - t0;
  }
  long long elapsed = now_ns() - start;
  if (fwrite(&elapsed, sizeof elapsed, 1, stdout) != 1 || fwrite(lat, sizeof *lat, n, stdout) != (size_t)n) return 1;
  return 0;
}
