"""The Avi dynamic provider: Avi Controller objects as Pulumi resources.

Import the resource classes from ``providers.avi.resources``. Importing this package creates
no resources and opens no connections.
"""
