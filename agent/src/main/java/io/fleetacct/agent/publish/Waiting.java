package io.fleetacct.agent.publish;

/** What waits for Kafka now: records (heartbeats not counted) in memory, in flight and in the disk spool. */
public interface Waiting {

  /** Records queued in memory. */
  int queued();

  /** Records handed to the producer that Kafka has not acknowledged yet. */
  int inFlight();

  /** Records in the disk spool. */
  long spooledRecords();

  /** Bytes of the disk spool. */
  long spooledBytes();

  /** Spool frames that failed their checksum or were torn by a crash. */
  long spoolCorruptFrames();
}
