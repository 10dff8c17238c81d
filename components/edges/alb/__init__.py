"""The AWS ALB edge (AWS Load Balancer Controller in front of the NodePort gateway)."""
