"""Stack configuration: the root model, shared field types, loader and cross-section rules."""
