/*
 * Command workload: multi-threaded programs whose threads carry names of their own, in the shapes
 * real software has, so that a listener can check that every thread's exit is counted under its
 * process's command (the leader's comm at the exit), never under the thread's own name.
 *
 *   programs WAY COUNT PREFIX EXEC_PATH
 *
 * Runs COUNT processes one after another (a runner forks each), each a program named PREFIX "P"
 * whose threads are named PREFIX "-w" N (N numbers them: pool threads). WAY:
 *   named   the leader starts 4 named threads, joins them, exits
 *   lonely  the leader starts 3 named threads and ends with pthread_exit: its threads end later,
 *           the last of them ends the process (as in Go and some servers)
 *   rename  2 named threads end, the leader renames itself PREFIX "Q" (prctl), 2 more end, the
 *           leader exits
 *   exec    2 named threads block; a third execs EXEC_PATH (a link whose name is PREFIX "X"), which
 *           kills the others (the old leader too) under the old program; the new program starts one
 *           thread of its own and exits
 * At the end it prints "expect COMMAND THREAD N" lines (N exits of threads named THREAD while
 * their leader was named COMMAND) and "processes COMMAND N" lines (exits that ended a process).
 * Internal: programs exec-leaf PREFIX
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile unsigned long sink;
static char prefix[16];

static void name(char *out, const char *suffix, int n) {
  if (n >= 0) snprintf(out, 16, "%s%s%d", prefix, suffix, n);
  else snprintf(out, 16, "%s%s", prefix, suffix);
}

static void *worker(void *arg) {
  char n[16];
  name(n, "-w", (int)(size_t)arg);
  prctl(PR_SET_NAME, n, 0, 0, 0);
  for (unsigned long i = 0; i < 20000; i++) sink += i;
  usleep(2000);
  return NULL;
}

static volatile int named_blockers;

static void *blocker(void *arg) {
  char n[16];
  name(n, "-w", (int)(size_t)arg);
  prctl(PR_SET_NAME, n, 0, 0, 0);
  __sync_fetch_and_add(&named_blockers, 1);
  for (;;) pause();
  return NULL;
}

static const char *exec_path;

static void *execer(void *arg) {
  (void)arg;
  /* Only once both blockers run under their own names: a thread killed by the exec before its
     prctl would exit under the program's name, not its own (seen under CPU hogs). */
  for (int i = 0; i < 10000 && named_blockers < 2; i++) usleep(100);
  execl(exec_path, exec_path, "exec-leaf", prefix, (char *)NULL);
  _exit(91);
}

static void start(pthread_t *t, int n, void *(*fn)(void *), int first) {
  for (int k = 0; k < n; k++) {
    if (pthread_create(&t[k], NULL, fn, (void *)(size_t)(first + k)) != 0) _exit(92);
  }
}

static void join_all(pthread_t *t, int n) {
  for (int k = 0; k < n; k++) pthread_join(t[k], NULL);
}

static void program(const char *way) {
  char p[16], q[16];
  name(p, "P", -1);
  name(q, "Q", -1);
  prctl(PR_SET_NAME, p, 0, 0, 0);
  pthread_t t[4];
  if (strcmp(way, "named") == 0) {
    start(t, 4, worker, 1);
    join_all(t, 4);
  } else if (strcmp(way, "lonely") == 0) {
    start(t, 3, worker, 1);
    pthread_exit(NULL);
  } else if (strcmp(way, "rename") == 0) {
    start(t, 2, worker, 1);
    join_all(t, 2);
    prctl(PR_SET_NAME, q, 0, 0, 0);
    start(t, 2, worker, 3);
    join_all(t, 2);
  } else if (strcmp(way, "exec") == 0) {
    start(t, 2, blocker, 1);
    start(t + 2, 1, execer, 3);
    for (;;) pause();
  }
  _exit(0);
}

/* The program after exec: named PREFIX "X" by its file name; one thread of its own. */
static int exec_leaf(void) {
  pthread_t t;
  start(&t, 1, worker, 9);
  join_all(&t, 1);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "exec-leaf") == 0) {
    snprintf(prefix, sizeof prefix, "%s", argv[2]);
    return exec_leaf();
  }
  if (argc != 5) { fprintf(stderr, "usage: programs WAY COUNT PREFIX EXEC_PATH\n"); return 2; }
  const char *way = argv[1];
  int count = atoi(argv[2]);
  if (strlen(argv[3]) > 10) { fprintf(stderr, "prefix longer than 10\n"); return 2; }
  snprintf(prefix, sizeof prefix, "%s", argv[3]);
  exec_path = argv[4];
  for (int i = 0; i < count; i++) {
    pid_t c = fork();
    if (c == 0) program(way);
    int status;
    if (waitpid(c, &status, 0) != c || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "child %d failed (status %d)\n", c, status);
      return 5;
    }
  }
  char p[16], q[16], x[16], w[16];
  name(p, "P", -1);
  name(q, "Q", -1);
  name(x, "X", -1);
  if (strcmp(way, "named") == 0) {
    printf("expect %s %s %d\n", p, p, count);
    for (int k = 1; k <= 4; k++) { name(w, "-w", k); printf("expect %s %s %d\n", p, w, count); }
    printf("processes %s %d\n", p, count);
  } else if (strcmp(way, "lonely") == 0) {
    printf("expect %s %s %d\n", p, p, count);
    for (int k = 1; k <= 3; k++) { name(w, "-w", k); printf("expect %s %s %d\n", p, w, count); }
    printf("processes %s %d\n", p, count);
  } else if (strcmp(way, "rename") == 0) {
    for (int k = 1; k <= 2; k++) { name(w, "-w", k); printf("expect %s %s %d\n", p, w, count); }
    for (int k = 3; k <= 4; k++) { name(w, "-w", k); printf("expect %s %s %d\n", q, w, count); }
    printf("expect %s %s %d\n", q, q, count);
    printf("processes %s %d\n", q, count);
  } else if (strcmp(way, "exec") == 0) {
    printf("expect %s %s %d\n", p, p, count); /* the old leader, killed by the exec */
    for (int k = 1; k <= 2; k++) { name(w, "-w", k); printf("expect %s %s %d\n", p, w, count); }
    name(w, "-w", 9);
    printf("expect %s %s %d\n", x, w, count);
    printf("expect %s %s %d\n", x, x, count);
    printf("processes %s %d\n", x, count);
  } else {
    fprintf(stderr, "unknown way %s\n", way);
    return 2;
  }
  return 0;
}
