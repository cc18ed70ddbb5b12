"""Policy levers (S1..S6): what each lever of the scenario's `policies` does to the model."""
