/*
 * Benchmark workload for the sampler: a process with N threads that each wake every 50 ms, do a
 * little work and sleep again, so that every thread has something new at every sample (the
 * sampler's worst case). Lives SECONDS, then exits (its threads with it).
 * Usage: threads N SECONDS
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile unsigned long sink;

static void *wake(void *arg) {
  (void)arg;
  for (;;) {
    for (int i = 0; i < 1000; i++) sink += i;
    usleep(50000);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: threads N SECONDS\n"); return 2; }
  int n = atoi(argv[1]);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  int started = 0;
  for (int i = 0; i < n; i++) {
    pthread_t t;
    if (pthread_create(&t, &attr, wake, NULL) == 0) started++;
  }
  printf("started %d\n", started);
  fflush(stdout);
  sleep(atoi(argv[2]));
  return 0;
}
