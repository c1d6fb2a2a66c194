package io.fleetacct.agent.bpf;

import io.fleetacct.agent.netlink.LibC;
import java.lang.invoke.VarHandle;
import jnr.ffi.Pointer;

/**
 * The reading end of a BPF ring buffer map (BPF_MAP_TYPE_RINGBUF, Linux 5.8), mapped into this
 * process as libbpf maps it: the consumer position's page writable, the producer position's page
 * and the data (mapped twice in a row, so that a record that wraps reads as one) read-only. Each
 * record is an 8-byte header (its length, with the busy bit while the producer writes it and the
 * discard bit if it gave it up) and the data, 8-byte aligned. Reading is plain memory access: no
 * system call. Not thread-safe.
 */
final class RingBuffer implements AutoCloseable {

  private static final int PROT_READ = 1;
  private static final int PROT_WRITE = 2;
  private static final int MAP_SHARED = 1;
  private static final int SC_PAGESIZE = 30;
  private static final int BUSY_BIT = 1 << 31;
  private static final int DISCARD_BIT = 1 << 30;
  private static final int HEADER = 8;

  /** Receives each record: {@code length} bytes at {@code offset} of {@code memory}. */
  @FunctionalInterface
  interface Records {
    void record(Pointer memory, long offset, int length);
  }

  private final long pageSize;
  private final long dataSize;
  private final Pointer consumer;
  private final Pointer producer;

  private RingBuffer(long pageSize, long dataSize, Pointer consumer, Pointer producer) {
    this.pageSize = pageSize;
    this.dataSize = dataSize;
    this.consumer = consumer;
    this.producer = producer;
  }

  /** Maps the ring buffer map {@code fd} of {@code dataSize} bytes (its max_entries). */
  static RingBuffer map(int fd, long dataSize) throws BpfException {
    LibC libc = LibC.get();
    long page = libc.sysconf(SC_PAGESIZE);
    Pointer consumer = libc.mmap(null, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (consumer == null || consumer.address() == -1) {
      throw new BpfException("mmap of the exit hook's ring buffer (consumer page)", LibC.errno());
    }
    Pointer producer = libc.mmap(null, page + 2 * dataSize, PROT_READ, MAP_SHARED, fd, page);
    if (producer == null || producer.address() == -1) {
      int errno = LibC.errno();
      libc.munmap(consumer, page);
      throw new BpfException("mmap of the exit hook's ring buffer (data)", errno);
    }
    return new RingBuffer(page, dataSize, consumer, producer);
  }

  /** Hands every record written since the last call to {@code records}, in order; returns how many. */
  int drain(Records records) {
    long consumed = consumer.getLong(0);
    long produced = producer.getLong(0);
    VarHandle.acquireFence(); // the records up to produced are read after it
    int n = 0;
    long mask = dataSize - 1;
    while (consumed < produced) {
      int header = producer.getInt(pageSize + (consumed & mask));
      VarHandle.acquireFence(); // the kernel clears the busy bit after writing the record
      if ((header & BUSY_BIT) != 0) {
        break; // being written: the rest waits for the next drain
      }
      int length = header & ~(BUSY_BIT | DISCARD_BIT);
      if ((header & DISCARD_BIT) == 0) {
        records.record(producer, pageSize + ((consumed + HEADER) & mask), length);
        n++;
      }
      consumed += (length + HEADER + 7) & ~7L;
    }
    VarHandle.releaseFence(); // the records are read before the kernel may reuse their space
    consumer.putLong(0, consumed);
    return n;
  }

  @Override
  public void close() {
    LibC.get().munmap(consumer, pageSize);
    LibC.get().munmap(producer, pageSize + 2 * dataSize);
  }
}
