"""Amazon States Language: compile, validate and interpret state machines (pure)."""
