"""Routes into the mesh (apps) and out of it (external hosts)."""
