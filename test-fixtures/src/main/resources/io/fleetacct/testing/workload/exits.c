/*
 * Test workload: forks N children that exit in known ways and prints one manifest line per child:
 *   pid comm kind threads status
 * Children do not exec (so the kernel flags them AFORK); each names itself with PR_SET_NAME.
 * kinds: ok (exit 0), code (exit 1..120), term (SIGTERM), kill (SIGKILL), threads (T extra
 * threads that each exit before main returns with exit 0).
 * Usage: exits COUNT COMM_PREFIX [CGROUP_PROCS_FILE|-] [SECONDS]
 * With SECONDS, forks for that long (COUNT 0: no limit), or until SIGTERM, and prints only "total N".
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;
static volatile sig_atomic_t stopped;

static void stop(int sig) {
  (void)sig;
  stopped = 1;
}

static void *spin(void *arg) {
  for (unsigned long i = 0; i < 20000UL * (unsigned long)(size_t)arg; i++) sink += i;
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: exits COUNT COMM_PREFIX [CGROUP_PROCS]\n"); return 2; }
  int n = atoi(argv[1]);
  const char *prefix = argv[2];
  double seconds = argc > 4 ? atof(argv[4]) : 0;
  struct timespec t0, now;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (argc > 3 && strcmp(argv[3], "-") != 0) {
    FILE *f = fopen(argv[3], "w");
    if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f) != 0) { perror("joining the cgroup"); return 3; }
    /* Re-exec once inside the cgroup, as cgexec and systemd-run do: the exec is what tells a
       listener that the process moved (a migration alone raises no event). */
    char *args[] = {argv[0], argv[1], argv[2], "-", argc > 4 ? argv[4] : NULL, NULL};
    execv("/proc/self/exe", args);
    perror("re-exec");
    return 3;
  }
  struct rlimit nocore = {0, 0};
  setrlimit(RLIMIT_CORE, &nocore);
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  if (seconds > 0) { /* a storm can be ended early; it still says its total (SA_RESTART: waitpid goes on) */
    struct sigaction sa = {.sa_handler = stop, .sa_flags = SA_RESTART};
    sigaction(SIGTERM, &sa, NULL);
  }
  for (int i = 0; n == 0 || i < n; i++) {
    if (seconds > 0) {
      clock_gettime(CLOCK_MONOTONIC, &now);
      if (stopped || (now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 >= seconds) {
        printf("total %d\n", i);
        break;
      }
    } else if (n == 0) {
      break;
    }
    int kind = i % 5;
    int threads = kind == 4 ? 1 + i % 4 : 0;
    int code = kind == 1 ? 1 + i % 120 : 0;
    char comm[16];
    static const char *kinds[] = {"ok", "code", "term", "kill", "thr"};
    snprintf(comm, sizeof comm, "%s-%s", prefix, kinds[kind]);
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 4; }
    if (pid == 0) {
      signal(SIGTERM, SIG_DFL);
      prctl(PR_SET_NAME, comm, 0, 0, 0);
      spin((void *)1);
      if (kind == 2) raise(SIGTERM);
      if (kind == 3) raise(SIGKILL);
      if (kind == 4) {
        pthread_t t[8];
        for (int k = 0; k < threads; k++) pthread_create(&t[k], NULL, spin, (void *)(size_t)(k + 1));
        for (int k = 0; k < threads; k++) pthread_join(t[k], NULL);
      }
      _exit(code);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) { perror("waitpid"); return 5; }
    if (seconds <= 0) printf("%d %s %s %d %d\n", pid, comm, kinds[kind], threads, status);
  }
  fflush(stdout);
  return 0;
}
