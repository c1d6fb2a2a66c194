package io.fleetacct.agent.taskstats;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleetacct.schema.AcFlag;
import io.fleetacct.schema.TaskStats;
import io.fleetacct.testing.Captures;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The real captured messages, decoded field by field and compared with an independent decoder. */
class TaskstatsDecoderGoldenTest {

  private final TaskstatsDecoder decoder = new TaskstatsDecoder(ExitMessages.FAMILY);

  @ParameterizedTest
  @ValueSource(strings = {
      "01-single-threaded-sleep", "02-multithreaded-python3-with-tgid-aggr", "03-dd-direct-io-delayacct-on"})
  void everyFieldMatchesTheReferenceDecoder(String capture) throws Exception {
    byte[] raw = ExitMessages.capture(capture);
    ExitNotification exit = decoder.decode(ExitMessages.wrap(raw), 0, raw.length);
    JsonNode expected = new ObjectMapper().readTree(Captures.expectedJson(capture));
    assertThat(exit.nlmsgSeq()).isEqualTo(expected.get("seq").asInt());
    JsonNode records = expected.get("records");
    assertThat(exit.pid()).isEqualTo(records.get(0).get("id").asLong());
    assertSameFields(exit.task(), records.get(0).get("stats"));
    if (records.size() > 1) {
      assertThat(exit.tgid()).isEqualTo(records.get(1).get("id").asLong());
      assertSameFields(exit.threadGroup(), records.get(1).get("stats"));
    } else {
      assertThat(exit.threadGroup()).isNull();
    }
  }

  private static void assertSameFields(TaskStats actual, JsonNode expected) {
    int compared = 0;
    for (Map.Entry<String, JsonNode> e : expected.properties()) {
      Schema.Field f = actual.getSchema().getField(e.getKey());
      if (f == null) {
        continue; // ac_pad
      }
      Object value = actual.get(f.pos());
      if (value instanceof String) {
        assertThat(value).as(e.getKey()).isEqualTo(e.getValue().asText());
      } else {
        assertThat(((Number) value).longValue()).as(e.getKey()).isEqualTo(e.getValue().asLong());
      }
      compared++;
    }
    assertThat(compared).isEqualTo(71); // every v16 field but ac_pad
    assertThat(actual.getCpuDelayMaxTs().getTvSec()).isZero(); // v16: no v17 timestamps
  }

  @Test
  void singleThreadedSleep() throws Exception {
    ExitNotification e = decode("01-single-threaded-sleep");
    assertThat(e.task().getVersion()).isEqualTo(16);
    assertThat(e.task().getAcComm()).isEqualTo("sleep");
    assertThat(e.pid()).isEqualTo(14266);
    assertThat(e.tgid()).isEqualTo(14266);
    assertThat(e.task().getAcPpid()).isEqualTo(14223);
    assertThat(e.task().getAcFlag()).isEqualTo(AcFlag.AGROUP);
    assertThat(e.task().getAcEtime()).isEqualTo(51372);
    assertThat(e.task().getAcBtime64()).isEqualTo(1795597530L);
    assertThat(e.task().getHiwaterRss()).isEqualTo(1588);
    assertThat(e.task().getReadBytes()).isEqualTo(45056);
    assertThat(e.task().getAcExeDev()).isEqualTo(0xfe00);
    assertThat(e.task().getAcExeInode()).isEqualTo(260875);
    assertThat(e.threadGroup()).isNull();
    assertThat(e.endsProcess()).isTrue();
    assertThat(e.newerStructVersion()).isFalse();
  }

  @Test
  void multithreadedExitCarriesTheGroupAggregate() throws Exception {
    ExitNotification e = decode("02-multithreaded-python3-with-tgid-aggr");
    assertThat(e.task().getAcComm()).isEqualTo("python3");
    assertThat(e.task().getAcUtime()).isEqualTo(40000);
    assertThat(e.task().getNvcsw()).isEqualTo(10);
    TaskStats tg = e.threadGroup();
    assertThat(tg).isNotNull();
    assertThat(e.tgid()).isEqualTo(14267);
    assertThat(tg.getVersion()).isEqualTo(16);
    assertThat(tg.getCpuCount()).isEqualTo(26);
    assertThat(tg.getCpuDelayTotal()).isEqualTo(156593);
    assertThat(tg.getCpuRunRealTotal()).isEqualTo(56_000_000L);
    assertThat(tg.getAcEtime()).isEqualTo(99407);
    assertThat(tg.getAcUtime()).isEqualTo(56000);
    assertThat(tg.getNvcsw()).isEqualTo(16);
    assertThat(tg.getNivcsw()).isEqualTo(6);
    assertThat(tg.getAcComm()).isEmpty();
    assertThat(tg.getAcPid()).isZero();
    assertThat(e.endsProcess()).isTrue();
  }

  @Test
  void directIoWithDelayAccountingOn() throws Exception {
    ExitNotification e = decode("03-dd-direct-io-delayacct-on");
    assertThat(e.task().getAcComm()).isEqualTo("dd");
    assertThat(e.task().getBlkioCount()).isEqualTo(699);
    assertThat(e.task().getBlkioDelayTotal()).isEqualTo(69_758_943L);
    assertThat(e.task().getBlkioDelayMax()).isEqualTo(4_375_987L);
    assertThat(e.task().getBlkioDelayMin()).isEqualTo(33_339L);
    assertThat(e.task().getWpcopyCount()).isEqualTo(7);
    assertThat(e.task().getReadBytes()).isEqualTo(23_166_976L);
    assertThat(e.task().getWriteBytes()).isEqualTo(20_971_520L);
  }

  private ExitNotification decode(String capture) throws MalformedMessageException {
    byte[] raw = ExitMessages.capture(capture);
    return decoder.decode(ExitMessages.wrap(raw), 0, raw.length);
  }
}
