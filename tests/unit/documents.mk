# tests/unit/documents.mk
