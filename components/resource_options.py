"""What a component passes on from its own resource options to the children it declares."""

from __future__ import annotations

import pulumi


def dependencies_of(opts: pulumi.ResourceOptions | None) -> list[pulumi.Resource]:
    """The resources `opts.depends_on` names, as a list.

    Children created with `parent=self` inherit a component's providers, but not its
    `depends_on`: the SDK registers a child as soon as its own inputs are known. A component
    that is told to come after something repeats that on every child it declares.
    """
    if opts is None or opts.depends_on is None:
        return []
    if isinstance(opts.depends_on, pulumi.Resource):
        return [opts.depends_on]
    if isinstance(opts.depends_on, (list, tuple)) and all(isinstance(d, pulumi.Resource) for d in opts.depends_on):
        return list(opts.depends_on)
    raise TypeError("a component's depends_on must list resources, not outputs")


def renamed_from(old_type: str, opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    """`opts` plus an alias to the type token a component had before, so existing stacks keep its
    URN, and, through the engine's parent aliases, those of its children."""
    return pulumi.ResourceOptions.merge(pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=old_type)]), opts)
