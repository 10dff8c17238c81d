"""Local development helpers: `make up STACK=dev` orchestration and the dev stack's secrets."""
