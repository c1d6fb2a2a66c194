/*
 * Attribution workload: short-lived processes that enter a cgroup in the ways real software does,
 * each named (comm) after the cgroup it exits in, so that a listener can check every exit.
 *
 *   spawn WAY COUNT PREFIX DIR_S DIR_A
 *
 * DIR_S and DIR_A are cgroup2 directories. The helper first joins S. Tasks that exit in A are
 * named PREFIX "a", tasks that exit in S PREFIX "s". WAY:
 *   join   a runner forks one child (in S), joins A by writing its own pid (no exec), then forks
 *          COUNT children: the pattern of a job runner or a shell builtin that moves itself
 *   move   COUNT children each move themselves into A between fork and exec (systemd, runc, crun)
 *   shell  a shell joins A and runs COUNT children in a loop
 *   clone3 COUNT children cloned straight into A (clone3 with CLONE_INTO_CGROUP)
 *   leave  COUNT children move into A, exec, then leave A for S before they exit; their extra
 *          threads exit while still in A
 * Every fourth child has 1-3 extra threads. At the end it prints "expect NAME N" lines: how many
 * exit notifications (threads included) carry each name.
 * Internal: spawn leaf NAME THREADS [PROCS_FILE NAME2]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

static volatile unsigned long sink;

static void *spin(void *arg) {
  for (unsigned long i = 0; i < 5000UL * (1 + (unsigned long)(size_t)arg); i++) sink += i;
  return NULL;
}

static void join(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/cgroup.procs", dir);
  int fd = open(path, O_WRONLY);
  char pid[32];
  int n = snprintf(pid, sizeof pid, "%d\n", getpid());
  if (fd < 0 || write(fd, pid, n) != n) { perror(path); _exit(90); }
  close(fd);
}

static int threads_of(int i) { return i % 4 == 0 ? 1 + i % 3 : 0; }

/* Names itself, runs THREADS extra threads to their end, then maybe moves and renames. */
static int leaf(const char *name, int threads, const char *move_to, const char *name2) {
  prctl(PR_SET_NAME, name, 0, 0, 0);
  pthread_t t[8];
  for (int k = 0; k < threads; k++) pthread_create(&t[k], NULL, spin, (void *)(size_t)k);
  for (int k = 0; k < threads; k++) pthread_join(t[k], NULL);
  spin(0);
  if (move_to) {
    join(move_to);
    prctl(PR_SET_NAME, name2, 0, 0, 0);
  }
  _exit(0);
}

static void reap(pid_t pid) {
  int status;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "child %d failed (status %d)\n", pid, status);
    exit(5);
  }
}

int main(int argc, char **argv) {
  if (argc >= 4 && strcmp(argv[1], "leaf") == 0) {
    return leaf(argv[2], atoi(argv[3]), argc > 5 ? argv[4] : NULL, argc > 5 ? argv[5] : NULL);
  }
  if (argc != 6) { fprintf(stderr, "usage: spawn WAY COUNT PREFIX DIR_S DIR_A\n"); return 2; }
  const char *way = argv[1];
  int count = atoi(argv[2]);
  char in_a[16], in_s[16];
  snprintf(in_a, sizeof in_a, "%sa", argv[3]);
  snprintf(in_s, sizeof in_s, "%ss", argv[3]);
  const char *dir_s = argv[4], *dir_a = argv[5];
  long expect_a = 0, expect_s = 0;
  for (int i = 0; i < count; i++) expect_a += 1 + threads_of(i);
  join(dir_s);
  char self[4096];
  ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len < 0) { perror("readlink"); return 3; }
  self[len] = 0;

  if (strcmp(way, "join") == 0) {
    pid_t runner = fork();
    if (runner == 0) {
      pid_t before = fork();
      if (before == 0) leaf(in_s, 0, NULL, NULL);
      reap(before);
      join(dir_a);
      prctl(PR_SET_NAME, in_a, 0, 0, 0);
      for (int i = 0; i < count; i++) {
        pid_t c = fork();
        if (c == 0) leaf(in_a, threads_of(i), NULL, NULL);
        reap(c);
      }
      _exit(0);
    }
    reap(runner);
    expect_a += 1; /* the runner itself exits in A */
    expect_s += 1; /* the child it forked before joining */
  } else if (strcmp(way, "move") == 0) {
    for (int i = 0; i < count; i++) {
      pid_t c = fork();
      if (c == 0) {
        join(dir_a);
        char t[8];
        snprintf(t, sizeof t, "%d", threads_of(i));
        execl(self, self, "leaf", in_a, t, (char *)NULL);
        _exit(91);
      }
      reap(c);
    }
  } else if (strcmp(way, "shell") == 0) {
    pid_t c = fork();
    if (c == 0) {
      char script[8192];
      snprintf(script, sizeof script,
               "echo $$ > '%s/cgroup.procs' || exit 92; i=0; while [ $i -lt %d ]; do"
               " if [ $((i %% 4)) -eq 0 ]; then t=$((1 + i %% 3)); else t=0; fi;"
               " '%s' leaf %s $t || exit 93; i=$((i + 1)); done",
               dir_a, count, self, in_a);
      execl("/bin/sh", "sh", "-c", script, (char *)NULL);
      _exit(94);
    }
    reap(c);
  } else if (strcmp(way, "clone3") == 0) {
    int cg = open(dir_a, O_PATH | O_DIRECTORY);
    if (cg < 0) { perror(dir_a); return 3; }
    for (int i = 0; i < count; i++) {
      struct clone_args args;
      memset(&args, 0, sizeof args);
      args.flags = CLONE_INTO_CGROUP;
      args.exit_signal = SIGCHLD;
      args.cgroup = (uint64_t)cg;
      long c = syscall(SYS_clone3, &args, sizeof args);
      if (c < 0) { perror("clone3"); return 4; }
      if (c == 0) leaf(in_a, threads_of(i), NULL, NULL);
      reap((pid_t)c);
    }
    close(cg);
  } else if (strcmp(way, "leave") == 0) {
    char procs_s[4096];
    snprintf(procs_s, sizeof procs_s, "%s", dir_s);
    expect_a = 0;
    for (int i = 0; i < count; i++) {
      pid_t c = fork();
      if (c == 0) {
        join(dir_a);
        char t[8];
        snprintf(t, sizeof t, "%d", threads_of(i));
        execl(self, self, "leaf", in_a, t, procs_s, in_s, (char *)NULL);
        _exit(91);
      }
      reap(c);
      expect_a += threads_of(i); /* its threads end in A, its main thread in S */
      expect_s += 1;
    }
  } else {
    fprintf(stderr, "unknown way %s\n", way);
    return 2;
  }
  printf("expect %s %ld\nexpect %s %ld\n", in_a, expect_a, in_s, expect_s);
  return 0;
}
