"""Paper-agnostic building blocks shared by the chapters: ``optim`` (one optimiser protocol, optax style),
``loop`` (one simulation loop with a declarative "what to record", diffrax style), ``numerics``
(finite-difference gradients, power iteration), ``nets`` (feed-forward networks as DAGs with numpy
backprop) and ``schedules`` (deterministic learning-rate schedules)."""
