"""The `edge` section: which edge fronts the mesh (`kind`), with that edge's settings only."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator

from components.config.base import ConfigModel, check
from components.config.types import OneOf
from components.edges.alb.config import AlbEdgeConfig
from components.edges.avi.config import AviEdgeConfig
from components.edges.azure_ip.config import AzureIpEdgeConfig
from components.edges.emissary.config import EmissaryEdgeConfig

EDGE_KINDS = ("alb", "azure-ip", "emissary", "avi")
EDGE_KIND_ALIASES = {"ambassador": "emissary"}
"""Older stacks name the Emissary edge after its former name, Ambassador."""
EDGE_SECTIONS = {"alb": "alb", "azure-ip": "azureIp", "emissary": "emissary", "avi": "avi"}
SECTION_ALIASES = {"ambassador": "emissary"}

EDGE_CLUSTERS = {
    "alb": ("eks",),
    "azure-ip": ("aks",),
    "emissary": ("eks", "aks", "existing"),
    "avi": ("eks", "aks", "existing"),
}
"""Which clusters each edge can run on: the ALB needs AWS, the static IP needs Azure."""


def _with_ambassador_alias(schema: dict[str, Any]) -> None:
    properties = schema.get("properties", {})
    if "emissary" in properties:
        properties["ambassador"] = {**properties["emissary"], "description": "older name of `emissary`"}


EdgeKind = Annotated[str, OneOf(EDGE_KINDS, aliases=EDGE_KIND_ALIASES)]


class EdgeConfig(ConfigModel, json_schema_extra=_with_ambassador_alias):
    """Which edge fronts the mesh, with that edge's settings."""

    kind: EdgeKind
    alb: AlbEdgeConfig | None = None
    azure_ip: AzureIpEdgeConfig | None = Field(default=None, alias="azureIp")
    emissary: EmissaryEdgeConfig | None = None
    avi: AviEdgeConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_edge(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        written = data.get("kind")
        kind = EDGE_KIND_ALIASES.get(written, written) if isinstance(written, str) else written
        sections = {section: other for other, section in EDGE_SECTIONS.items()}
        check(
            [
                (
                    key,
                    f'settings for the "{sections[SECTION_ALIASES.get(key, key)]}" edge given but edge.kind '
                    f'is "{written}"',
                )
                for key in data
                if kind in EDGE_SECTIONS  # a missing or unknown kind is its own one problem
                and SECTION_ALIASES.get(key, key) in sections
                and data[key] is not None
                and sections[SECTION_ALIASES.get(key, key)] != kind
            ]
        )
        for old, new in SECTION_ALIASES.items():
            if old in data:
                if new in data:
                    check([(old, f"give either {new} or its older name {old}, not both")])
                data[new] = data.pop(old)
        if kind in EDGE_SECTIONS and data.get(EDGE_SECTIONS[kind]) is None:
            data[EDGE_SECTIONS[kind]] = {}
        return data

    @property
    def ambassador(self) -> EmissaryEdgeConfig | None:
        return self.emissary
