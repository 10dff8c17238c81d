"""The edges that can front the mesh; `edge.kind` picks one."""
