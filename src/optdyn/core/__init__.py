"""Paper-agnostic building blocks shared by several chapters: ``nets`` (feed-forward networks as
DAGs with numpy backprop) and ``schedules`` (deterministic learning-rate schedules)."""
