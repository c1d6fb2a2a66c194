package io.fleetacct.benchmarks;

import io.fleetacct.agent.host.HostIdentity;
import io.fleetacct.agent.publish.ExitRecords;
import io.fleetacct.agent.taskstats.MalformedMessageException;
import io.fleetacct.agent.taskstats.TaskstatsDecoder;
import io.fleetacct.schema.CgroupSource;
import io.fleetacct.schema.TaskExit;
import io.fleetacct.testing.Captures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Typical TaskExit records for benchmarks, made as the agent makes them: from real captured kernel messages. */
final class CapturedExits {

  private static final HostIdentity HOST =
      new HostIdentity("worker-17.dc1.example.net", "3f1c2a9e-8d4b-4f0e-9a51-0c6b2d7e8f90", "6.18.44-fc-v669");
  private static final long RECEIVED_AT = 1_795_597_621_088L;
  private static final TaskExit SINGLE = of(Captures.SINGLE_THREADED);

  private CapturedExits() {}

  /** The last thread of a 4-thread process in a Kubernetes pod's container: every optional field set but `sampled`. */
  static TaskExit full() {
    TaskExit e = of(Captures.MULTITHREADED_WITH_TGID);
    String container = "4c1b9f8e7d6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c";
    e.setCgroup("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f3e4d5c_6b7a_4c8d_9e0f_1a2b3c4d5e6f"
        + ".slice/cri-containerd-" + container + ".scope");
    e.setContainerId(container);
    e.setPodUid("0f3e4d5c-6b7a-4c8d-9e0f-1a2b3c4d5e6f");
    return e;
  }

  /** A single-threaded process of a systemd service (a copy of one decoding, to change at will). */
  static TaskExit single() {
    TaskExit e = TaskExit.newBuilder(SINGLE).build();
    e.setCgroup("/system.slice/cron.service");
    return e;
  }

  private static TaskExit of(String capture) {
    byte[] raw = Captures.message(capture);
    try {
      TaskExit e = new ExitRecords(HOST, null).encode(new TaskstatsDecoder(31)
          .decode(ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder()), 0, raw.length), RECEIVED_AT).toRecord(0);
      e.setCgroupSource(CgroupSource.exit_hook);
      return e;
    } catch (MalformedMessageException e) {
      throw new IllegalStateException("capture " + capture + " does not decode", e);
    }
  }
}
