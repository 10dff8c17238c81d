"""AKO (Avi Kubernetes Operator) inside the mesh."""
