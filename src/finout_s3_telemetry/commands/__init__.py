"""One module per `finout-telemetry` subcommand; each exposes `register(subparsers)`."""
