package io.fleetacct.streams.query;

/** The stores cannot answer now (starting, rebalancing, restoring, owner and standbys down): 503, try again. */
final class Unavailable extends Exception {
  Unavailable(String message) {
    super(message, null, false, false);
  }
}
