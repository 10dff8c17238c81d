"""The Kubernetes cluster the platform runs on: EKS, AKS or an existing one."""
