"""The Istio mesh: charts, mesh-wide policy, ingress and egress gateways."""
