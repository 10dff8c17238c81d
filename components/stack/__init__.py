"""The stack layer: the root model composed from every domain's section, the cross-section rules
(collected from each domain's `rules.py`), the loader, version rules and their support data.
It sits above the domains and may import any of them; nothing below imports it at runtime."""
