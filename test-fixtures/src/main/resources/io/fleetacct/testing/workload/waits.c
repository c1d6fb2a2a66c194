/*
 * Delay workload: processes that wait for a CPU held by hogs, for the delay distributions.
 *
 *   waits CGROUP_PROCS WORKERS PREFIX
 *
 * Pins itself (and so every child) to the first CPU it may run on, starts 2 hogs there that spin
 * until it kills them (they stay in its own cgroup), then runs WORKERS workers one after another.
 * Each worker moves itself into CGROUP_PROCS, names itself PREFIX "w" and 20 times sleeps 1 ms and
 * spins about (1 + i % 4) * 0.5 ms: every wake-up queues behind the hogs, so each run waits for the
 * CPU, some more than others. Every third worker runs the same loop in a second thread as well
 * (two thread exits, two observations). Prints "threads N": the workers' thread exits.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;

static void spin_us(long us) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  do {
    for (int i = 0; i < 1000; i++) sink += i;
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while ((now.tv_sec - start.tv_sec) * 1000000L + (now.tv_nsec - start.tv_nsec) / 1000 < us);
}

static void *work(void *arg) {
  long spin = (long)arg;
  for (int r = 0; r < 20; r++) {
    usleep(1000);
    spin_us(spin);
  }
  return NULL;
}

static void join_cgroup(const char *procs) {
  FILE *f = fopen(procs, "w");
  if (f == NULL || fprintf(f, "%d\n", getpid()) < 0 || fclose(f) != 0) {
    perror(procs);
    _exit(2);
  }
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: waits CGROUP_PROCS WORKERS PREFIX\n");
    return 2;
  }
  int workers = atoi(argv[2]);
  char name[16];
  snprintf(name, sizeof name, "%sw", argv[3]);

  cpu_set_t allowed, one;
  sched_getaffinity(0, sizeof allowed, &allowed);
  CPU_ZERO(&one);
  for (int c = 0; c < CPU_SETSIZE; c++) {
    if (CPU_ISSET(c, &allowed)) {
      CPU_SET(c, &one);
      break;
    }
  }
  if (sched_setaffinity(0, sizeof one, &one) != 0) {
    perror("sched_setaffinity");
    return 1;
  }

  pid_t hogs[2];
  for (int h = 0; h < 2; h++) {
    hogs[h] = fork();
    if (hogs[h] == 0) {
      for (;;) sink++;
    }
  }

  int threads = 0;
  for (int i = 0; i < workers; i++) {
    int two = i % 3 == 0;
    pid_t pid = fork();
    if (pid == 0) {
      join_cgroup(argv[1]);
      prctl(PR_SET_NAME, name, 0, 0, 0);
      long spin = (1 + i % 4) * 500L;
      pthread_t second;
      if (two) pthread_create(&second, NULL, work, (void *)spin);
      work((void *)spin);
      if (two) pthread_join(second, NULL);
      _exit(0);
    }
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "worker %d failed\n", i);
      return 1;
    }
    threads += two ? 2 : 1;
  }

  for (int h = 0; h < 2; h++) {
    kill(hogs[h], SIGKILL);
    waitpid(hogs[h], NULL, 0);
  }
  printf("threads %d\n", threads);
  return 0;
}
