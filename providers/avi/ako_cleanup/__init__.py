"""Removing everything one AKO cluster created on the Avi Controller (`pulumi destroy` of AKO)."""
