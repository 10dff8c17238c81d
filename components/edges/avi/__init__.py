"""The Avi edge: virtual services on an Avi Controller in front of the NodePort gateway."""
