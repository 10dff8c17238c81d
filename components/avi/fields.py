"""Field types of Avi values in the stack file, shared by `edge.avi`, `ako` and `avi`."""

from __future__ import annotations

from typing import Annotated

from components.config.types import Text, matching

AviName = Annotated[str, Text("a non-empty name", lambda v: bool(v.strip()), r"\S")]
"""The name of an Avi object the stack refers to (a cloud, VRF, SE group, tenant)."""
AviApiVersion = Annotated[
    str,
    matching('an Avi API version such as "22.1.3"', r"^\d+\.\d+\.\d+$"),
]
"""The Avi API version sent as `X-Avi-Version`."""
