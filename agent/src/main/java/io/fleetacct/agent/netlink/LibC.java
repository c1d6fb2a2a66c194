package io.fleetacct.agent.netlink;

import java.nio.ByteBuffer;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/** The few libc calls netlink needs. Buffers are direct ByteBuffers (heap ones would be copied). */
public interface LibC {

  int socket(int domain, int type, int protocol);

  int bind(int fd, ByteBuffer addr, int addrlen);

  int getsockname(int fd, ByteBuffer addr, ByteBuffer addrlen);

  @ssize_t long sendto(int fd, ByteBuffer buf, @size_t long len, int flags, ByteBuffer addr, int addrlen);

  @ssize_t long recv(int fd, ByteBuffer buf, @size_t long len, int flags);

  /** recvmmsg(2) without a timeout ({@code timeout} null): the socket's own SO_RCVTIMEO applies. */
  int recvmmsg(int fd, ByteBuffer msgvec, int vlen, int flags, jnr.ffi.Pointer timeout);

  int setsockopt(int fd, int level, int optname, ByteBuffer optval, int optlen);

  int getsockopt(int fd, int level, int optname, ByteBuffer optval, ByteBuffer optlen);

  int open(String path, int flags);

  int close(int fd);

  @ssize_t long read(int fd, ByteBuffer buf, @size_t long count);

  /** syscall(2) with three arguments, as bpf(2) takes: glibc has no wrapper for it. */
  long syscall(long number, int cmd, jnr.ffi.Pointer attr, int size);

  /** mmap(2); MAP_FAILED is the address -1. */
  jnr.ffi.Pointer mmap(jnr.ffi.Pointer addr, @size_t long length, int prot, int flags, int fd, long offset);

  int munmap(jnr.ffi.Pointer addr, @size_t long length);

  long sysconf(int name);

  int open_by_handle_at(int mountFd, ByteBuffer handle, int flags);

  @ssize_t long readlink(String path, ByteBuffer buf, @size_t long size);

  String strerror(int errnum);

  /** Loaded once; jffi unpacks its native stub into java.io.tmpdir on first use. */
  final class Holder {
    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

    private Holder() {}
  }

  static LibC get() {
    return Holder.LIBC;
  }

  static Runtime runtime() {
    return Holder.RUNTIME;
  }

  /** errno of the calling thread's last failed call; meaningful only right after a failure. */
  static int errno() {
    return Holder.RUNTIME.getLastError();
  }
}
