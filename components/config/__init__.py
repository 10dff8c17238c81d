"""The config kit every domain uses: the base model, field types, and configuration errors."""
