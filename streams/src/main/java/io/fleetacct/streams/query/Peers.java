package io.fleetacct.streams.query;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import org.apache.kafka.streams.state.HostInfo;

/** Asks another instance for its share of an answer: the same request, restricted to a {@link Scope}. */
@FunctionalInterface
interface Peers {

  /** The peer's JSON answer for {@code uri} restricted to {@code scope}; its 404 or 400 as an {@link ErrorAnswer}. */
  JsonNode get(HostInfo peer, URI uri, Scope scope) throws Unavailable;

  static Peers overHttp() {
    return new HttpPeers();
  }
}
