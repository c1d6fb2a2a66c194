package io.fleetacct.streams.query;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A final answer other than 200 found while reading a store (no such key) or passed on from the
 * peer that owns the key: the server responds with it as it is, and a fan-out does not try the
 * next candidate.
 */
final class ErrorAnswer extends RuntimeException {
  final int status;
  final JsonNode body;

  ErrorAnswer(int status, JsonNode body) {
    super(null, null, false, false);
    this.status = status;
    this.body = body;
  }

  static ErrorAnswer notFound(String message) {
    return new ErrorAnswer(404, Json.error(message));
  }
}
