"""The Emissary-ingress edge in front of the (internal) Istio ingress gateway."""
