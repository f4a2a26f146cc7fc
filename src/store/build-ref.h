/* build-ref.h - name a build in the catalog the way kiln prints it:
 * NAME, NAME/VERSION or NAME/VERSION/NUMBER ("web-golden/1.2.0/7"). */
#pragma once

#include <glib.h>

#include "catalog.h"

typedef struct {
  char *name;
  char *version;   /* NULL: any version */
  gint64 number;   /* 0: the newest build */
} KilnBuildRef;

void kiln_build_ref_clear (KilnBuildRef *ref);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (KilnBuildRef, kiln_build_ref_clear)

/* KILN_ERROR_INPUT when text is not NAME[/VERSION[/NUMBER]]. */
gboolean kiln_build_ref_parse (const char *text, KilnBuildRef *ref,
                               GError **error);

/* The newest build the reference matches, in any state; KILN_ERROR_INPUT
 * naming what the catalog does have when none does. */
KilnBuildRecord *kiln_build_ref_find (KilnCatalog *cat,
                                      const KilnBuildRef *ref,
                                      GError **error);

/* "name/version/number" */
char *kiln_build_record_ref (const KilnBuildRecord *r);
