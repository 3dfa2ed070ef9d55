"""The processing stage: one module per step, from a raw item to a routed case."""
