/*
 * Test workload for samples of live processes: a process named COMM that lives SECONDS, busy most
 * of the time, and starts a thread every 400 ms that spins for about 600 ms and exits, so threads
 * start and end while it is sampled. With HOGS > 0 it first forks that many children named
 * COMM plus "h" that spin until it ends (they die with it), so its threads wait for a CPU.
 * Prints "threads N" (the threads it started, besides the main one) when done.
 * Usage: live SECONDS COMM HOGS
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void busy(double seconds) {
  double end = now() + seconds;
  while (now() < end) {
    for (int i = 0; i < 10000; i++) sink += i;
  }
}

static void *worker(void *arg) {
  (void)arg;
  busy(0.6);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: live SECONDS COMM HOGS\n"); return 2; }
  double seconds = atof(argv[1]);
  int hogs = atoi(argv[3]);
  char name[16];
  pid_t children[16];
  if (hogs > 16) hogs = 16;
  snprintf(name, sizeof name, "%sh", argv[2]);
  for (int i = 0; i < hogs; i++) {
    children[i] = fork();
    if (children[i] == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      prctl(PR_SET_NAME, name);
      double end = now() + seconds + 5; /* bounded even if the parent's death goes unnoticed */
      while (now() < end) sink++;
      _exit(0);
    }
  }
  prctl(PR_SET_NAME, argv[2]);
  pthread_t threads[256];
  int started = 0, joined = 0;
  double end = now() + seconds;
  while (now() < end) {
    if (started < 256 && pthread_create(&threads[started], NULL, worker, NULL) == 0) started++;
    busy(0.2);
    usleep(200000);
    while (joined < started - 2) pthread_join(threads[joined++], NULL);
  }
  while (joined < started) pthread_join(threads[joined++], NULL);
  for (int i = 0; i < hogs; i++) {
    kill(children[i], SIGKILL);
    waitpid(children[i], NULL, 0);
  }
  printf("threads %d\n", started);
  return 0;
}
