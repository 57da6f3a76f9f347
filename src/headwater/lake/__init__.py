"""Object storage for the data lake: a local folder with atomic writes."""
