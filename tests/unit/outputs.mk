# tests/unit/outputs.mk
