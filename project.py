"""The Pulumi project this program is: `name:` in Pulumi.yaml.

It is the namespace of every stack config key (`mesh-platform:edge`) and the default owner
marker (`created_by`) of the Avi objects the provider writes. It sits below every layer
(the config kit, the Avi provider, the tools all import it) and imports nothing.
"""

PROJECT = "mesh-platform"
