"""The local AWS harness: an emulator on 127.0.0.1 for the demo and the tests."""
