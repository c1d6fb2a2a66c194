/*
 * The floor: the least a taskstats exit listener can do, to measure the agent against in the same
 * fork storm. One netlink socket with the agent's default 8 MiB buffer, registered for CPUS (for
 * example "0-1"); for each exit message it finds the pid in TASKSTATS_TYPE_AGGR_PID and prints
 * "pid N" to stdout (stdio-buffered). SIGUSR1 prints "received N overflows M" to stderr; SIGTERM
 * deregisters, prints the same line and exits.
 *
 *   floor CPUS
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define NLA_DATA(a) ((char *)(a) + NLA_HDRLEN)
#define GENL_DATA(n) ((char *)NLMSG_DATA(n) + GENL_HDRLEN)

static volatile sig_atomic_t stop, report;
static void on_term(int s) { (void)s; stop = 1; }
static void on_usr1(int s) { (void)s; report = 1; }

static int send_genl(int fd, __u16 type, __u8 cmd, __u16 attr, const void *data, int len) {
  char buf[256] = {0};
  struct nlmsghdr *n = (struct nlmsghdr *)buf;
  struct genlmsghdr *g = NLMSG_DATA(n);
  struct nlattr *a = (struct nlattr *)GENL_DATA(n);
  n->nlmsg_type = type;
  n->nlmsg_flags = NLM_F_REQUEST;
  g->cmd = cmd;
  g->version = 1;
  a->nla_type = attr;
  a->nla_len = NLA_HDRLEN + len;
  memcpy(NLA_DATA(a), data, len);
  n->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + NLA_ALIGN(a->nla_len);
  struct sockaddr_nl to = {.nl_family = AF_NETLINK};
  return sendto(fd, buf, n->nlmsg_len, 0, (struct sockaddr *)&to, sizeof to) < 0 ? -1 : 0;
}

static int family_id(int fd) {
  if (send_genl(fd, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME, TASKSTATS_GENL_NAME,
                strlen(TASKSTATS_GENL_NAME) + 1) < 0)
    return -1;
  char buf[8192];
  int len = recv(fd, buf, sizeof buf, 0);
  struct nlmsghdr *n = (struct nlmsghdr *)buf;
  if (len < 0 || !NLMSG_OK(n, len) || n->nlmsg_type == NLMSG_ERROR) return -1;
  int rem = n->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
  for (struct nlattr *a = (struct nlattr *)GENL_DATA(n); rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN;
       rem -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
    if (a->nla_type == CTRL_ATTR_FAMILY_ID) return *(__u16 *)NLA_DATA(a);
  return -1;
}

/* The pid inside TASKSTATS_TYPE_AGGR_PID, or 0 when the message has none. */
static unsigned exit_pid(struct nlmsghdr *n) {
  int rem = n->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
  for (struct nlattr *a = (struct nlattr *)GENL_DATA(n); rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN;
       rem -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
    if ((a->nla_type & NLA_TYPE_MASK) != TASKSTATS_TYPE_AGGR_PID) continue;
    struct nlattr *in = (struct nlattr *)NLA_DATA(a);
    if (in->nla_type == TASKSTATS_TYPE_PID) return *(__u32 *)NLA_DATA(in);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: floor CPUS\n");
    return 2;
  }
  const char *cpus = argv[1];
  int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  int size = 8 << 20;
  struct timeval tick = {.tv_usec = 200000};
  struct sockaddr_nl me = {.nl_family = AF_NETLINK};
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0 ||
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof tick) < 0 ||
      bind(fd, (struct sockaddr *)&me, sizeof me) < 0) {
    perror("floor: socket");
    return 1;
  }
  int family = family_id(fd);
  if (family < 0 || send_genl(fd, family, TASKSTATS_CMD_GET, TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, cpus,
                              strlen(cpus) + 1) < 0) {
    perror("floor: register");
    return 1;
  }
  struct sigaction term = {.sa_handler = on_term}, usr1 = {.sa_handler = on_usr1};
  sigaction(SIGTERM, &term, NULL);
  sigaction(SIGUSR1, &usr1, NULL);
  fprintf(stderr, "registered\n");
  static char buf[64 * 1024];
  unsigned long received = 0, overflows = 0;
  while (!stop) {
    if (report) {
      report = 0;
      fprintf(stderr, "received %lu overflows %lu\n", received, overflows);
    }
    int len = recv(fd, buf, sizeof buf, 0);
    if (len < 0) {
      if (errno == ENOBUFS) overflows++;
      continue; /* EAGAIN (the tick), EINTR (a signal), ENOBUFS */
    }
    for (struct nlmsghdr *n = (struct nlmsghdr *)buf; NLMSG_OK(n, len); n = NLMSG_NEXT(n, len)) {
      unsigned pid = n->nlmsg_type == family ? exit_pid(n) : 0;
      if (pid) {
        received++;
        printf("pid %u\n", pid);
      }
    }
  }
  send_genl(fd, family, TASKSTATS_CMD_GET, TASKSTATS_CMD_ATTR_DEREGISTER_CPUMASK, cpus, strlen(cpus) + 1);
  fflush(stdout);
  fprintf(stderr, "received %lu overflows %lu\n", received, overflows);
  return 0;
}
