package io.fleetacct.schema.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleetacct.schema.json.RecordJson;
import io.fleetacct.schema.testing.SampleRecords;
import org.junit.jupiter.api.Test;

class RecordJsonTest {

  @Test
  void taskExitIsPlainJsonWithKernelFieldNames() {
    String json = RecordJson.toJson(SampleRecords.singleThreadedExit(5));
    assertThat(json)
        .startsWith("{\"host\":\"worker-17.dc1.example.net\"")
        .contains("\"agent_seq\":5")
        .contains("\"received_at\":\"2026-11-25T09:07:01.088Z\"")
        .contains("\"cgroup\":\"/system.slice/cron.service\"")
        .contains("\"container_id\":null")
        .contains("\"task\":{\"version\":17,\"ac_exitcode\":768,")
        .contains("\"ac_comm\":\"dd\"")
        .contains("\"cpu_delay_max_ts\":{\"tv_sec\":1795597621,")
        .endsWith("\"thread_group\":null,\"sampled\":null,\"command\":\"dd\",\"command_source\":\"exit_hook\"}");
  }
}
