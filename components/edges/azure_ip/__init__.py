"""The Azure static-IP edge (a public IP on the LoadBalancer gateway)."""
