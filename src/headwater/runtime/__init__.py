"""Clock, timers, scheduler and worker processes that carry out commands."""
