/* tables.h - the key and value tables the validators check documents
 * against, by name, for what must agree with them: the JSON Schemas in
 * schemas/ are generated from these (schemas/gen-schemas.c), so an editor's
 * idea of a document cannot drift from kiln validate's.
 *
 * Each validator lists its own tables at the end of its file; a name is
 * "DOCUMENT.PLACE" ("recipe", "recipe.build", "component.step", ...).
 */
#pragma once

typedef struct {
  const char *name;
  const char *const *values;     /* NULL-terminated */
} KilnDocTable;

/* Each terminated by { NULL, NULL }. */
extern const KilnDocTable kiln_recipe_tables[];     /* recipe.c */
extern const KilnDocTable kiln_pipeline_tables[];   /* pipeline.c */
extern const KilnDocTable kiln_component_tables[];  /* component.c */
extern const KilnDocTable kiln_loop_tables[];       /* loop.c */
extern const KilnDocTable kiln_condition_tables[];  /* condition.c (the
                                                      operators are
                                                      common/kiln-protocol.h's) */
extern const KilnDocTable kiln_template_tables[];   /* templates/template.c */
extern const KilnDocTable kiln_lifecycle_tables[];  /* lifecycle.c */
extern const KilnDocTable kiln_notify_tables[];     /* notify.c */
