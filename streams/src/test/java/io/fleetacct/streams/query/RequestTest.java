package io.fleetacct.streams.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class RequestTest {

  @Test
  void theRootIsTheConsolePage() throws BadRequest {
    Request r = Request.parse(URI.create("/"));
    assertThat(r.kind()).isEqualTo(Request.Kind.CONSOLE);
    assertThat(r.key()).isEqualTo("index.html");
  }

  @Test
  void theConsoleServesItsOwnFilesOnly() throws BadRequest {
    assertThat(Request.parse(URI.create("/console/app.js")).key()).isEqualTo("app.js");
    assertThat(Request.parse(URI.create("/console/style.css")).key()).isEqualTo("style.css");
    for (String path : new String[] {"/console/other.js", "/console/%2e%2e/%2e%2e/etc/passwd", "/console",
        "/console/app.js/x", "/app.js"}) {
      assertThatThrownBy(() -> Request.parse(URI.create(path))).as(path)
          .isInstanceOf(BadRequest.class).hasFieldOrPropertyWithValue("status", 404);
    }
  }
}
