# tests/unit/recipe.mk
