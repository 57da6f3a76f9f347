"""The data catalog model and crawler schema inference."""
