"""The Avi vocabulary the Avi edge and AKO share: the `avi` controller section, AKO's object names,
the shard plan, and the field type of an Avi object name. Below both `edges/avi` and `ako`."""
