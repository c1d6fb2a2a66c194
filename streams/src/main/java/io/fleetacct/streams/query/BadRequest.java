package io.fleetacct.streams.query;

/** A request the API cannot answer as asked: 400 or 404 with the message, never a 500. */
final class BadRequest extends Exception {
  final int status;

  BadRequest(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  static BadRequest badParameter(String message) {
    return new BadRequest(400, message);
  }

  static BadRequest notFound(String message) {
    return new BadRequest(404, message);
  }
}
