"""Per-protocol request parsing and response serialization, driven by botocore shapes."""
