"""The headwater command line."""
