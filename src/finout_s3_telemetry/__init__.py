"""finout-s3-telemetry: provision and verify Finout's S3 telemetry integration."""

__version__ = "0.1.0"
