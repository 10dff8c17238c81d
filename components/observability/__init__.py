"""Grafana and Kiali: credentials and optional add-ons."""
