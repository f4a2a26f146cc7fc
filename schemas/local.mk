# schemas/: JSON Schemas of kiln's documents for editors (a YAML language
# server), generated from the validators' own tables by gen-schemas, which
# stops the build when a schema's keys differ from what kiln validate
# accepts.  Installed in $(pkgdatadir)/schemas.
noinst_PROGRAMS += schemas/gen-schemas
schemas_gen_schemas_SOURCES = schemas/gen-schemas.c
schemas_gen_schemas_LDADD = $(KILN_ALL_LDADD)

schemasdir = $(pkgdatadir)/schemas
schemas_DATA = \
	schemas/recipe.schema.json \
	schemas/pipeline.schema.json \
	schemas/template.schema.json \
	schemas/component.schema.json
EXTRA_DIST += \
	schemas/recipe.schema.json.in \
	schemas/pipeline.schema.json.in \
	schemas/template.schema.json.in \
	schemas/component.schema.json.in
CLEANFILES += $(schemas_DATA)

GEN_SCHEMA = $(AM_V_GEN)$(MKDIR_P) schemas && schemas/gen-schemas$(EXEEXT)
schemas/recipe.schema.json: schemas/recipe.schema.json.in schemas/gen-schemas$(EXEEXT)
	$(GEN_SCHEMA) $(srcdir)/schemas/recipe.schema.json.in $@
schemas/pipeline.schema.json: schemas/pipeline.schema.json.in schemas/gen-schemas$(EXEEXT)
	$(GEN_SCHEMA) $(srcdir)/schemas/pipeline.schema.json.in $@
schemas/template.schema.json: schemas/template.schema.json.in schemas/gen-schemas$(EXEEXT)
	$(GEN_SCHEMA) $(srcdir)/schemas/template.schema.json.in $@
schemas/component.schema.json: schemas/component.schema.json.in schemas/gen-schemas$(EXEEXT)
	$(GEN_SCHEMA) $(srcdir)/schemas/component.schema.json.in $@
