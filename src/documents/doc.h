/* doc.h - what kind of document a file is, and validating it as that kind
 *
 * kiln reads three kinds of YAML document: AWSTOE components, kiln recipes
 * and pipelines.  The kind is detected from the top-level keys (or given,
 * e.g. `kiln validate --kind`), then the kind's validator runs.
 */
#pragma once

#include <glib.h>

#include "base/diag.h"
#include "yamldoc.h"

typedef enum {
  KILN_DOC_KIND_UNKNOWN,
  KILN_DOC_KIND_COMPONENT,   /* phases + schemaVersion */
  KILN_DOC_KIND_RECIPE,      /* name + version + parent + components */
  KILN_DOC_KIND_PIPELINE,    /* pipeline: */
} KilnDocKind;

const char *kiln_doc_kind_name (KilnDocKind kind);
/* "component", "recipe", "pipeline" -> kind; FALSE for anything else. */
gboolean kiln_doc_kind_from_name (const char *name, KilnDocKind *kind);

/* The kind the top-level keys suggest; UNKNOWN when they suggest none. */
KilnDocKind kiln_doc_detect_kind (const KilnDoc *doc);

/* Validate doc (taken over and freed) as `kind`, or as the detected kind
 * when kind is UNKNOWN.  *kind_out (may be NULL) gets the kind used.
 * Returns TRUE when no error was added to diags. */
gboolean kiln_doc_validate (KilnDoc *doc, KilnDocKind kind,
                            KilnDocKind *kind_out, KilnDiags *diags);

/* Load the file and validate it. */
gboolean kiln_doc_validate_file (const char *path, KilnDocKind kind,
                                 KilnDocKind *kind_out, KilnDiags *diags);
