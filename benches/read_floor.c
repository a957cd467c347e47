// The physical floor of loading a file: the cost of getting its bytes into new memory on two
// threads, without parsing. Built and run by benches/read_floor.sh.
//   mode 0: write every byte of new memory (memset)
//   mode 1: populate new memory (MADV_POPULATE_WRITE), no copy
//   mode 2: pread the file into new memory in 8 MB blocks (what the loader does)
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}
static size_t n;
static int fd, mode;
static char *buf;
static void *work(void *arg) {
  long k = (long)arg;
  size_t half = n / 2, len = k == 1 ? n - half : half;
  char *p = buf + k * half;
  if (mode == 0) memset(p, 1, len);
  if (mode == 1) madvise(p, len, MADV_POPULATE_WRITE);
  if (mode == 2)
    for (size_t off = 0; off < len;) {
      size_t want = len - off > (8u << 20) ? (8u << 20) : len - off;
      ssize_t r = pread(fd, p + off, want, k * half + off);
      if (r <= 0) break;
      off += r;
    }
  return 0;
}
int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: read_floor MODE FILE\n"); return 2; }
  mode = atoi(argv[1]);
  fd = open(argv[2], O_RDONLY);
  if (fd < 0) { perror(argv[2]); return 1; }
  n = lseek(fd, 0, SEEK_END);
  double t = now();
  buf = mmap(0, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  pthread_t th[2];
  for (long k = 0; k < 2; k++) pthread_create(&th[k], 0, work, (void *)k);
  for (int k = 0; k < 2; k++) pthread_join(th[k], 0);
  printf("%s %.3f s\n", mode == 0 ? "write new memory" : mode == 1 ? "populate new memory" : "pread into new memory", now() - t);
  return 0;
}
