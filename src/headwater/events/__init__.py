"""EventBridge event patterns, input transformers and schedules (pure)."""
