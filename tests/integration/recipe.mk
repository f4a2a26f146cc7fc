# tests/integration/recipe.mk - recipes and pipelines end to end
TESTS += tests/integration/validate-recipes.sh
EXTRA_DIST += tests/integration/validate-recipes.sh
