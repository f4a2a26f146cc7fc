/* doc-test-util.h - helpers the document unit tests share */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "documents/component.h"
#include "base/diag.h"
#include "documents/yamldoc.h"

/* Parse YAML text; fails the test when the loader refuses it. */
static inline KilnDoc *
test_yaml (const char *text)
{
  g_autoptr (KilnDiags) diags = kiln_diags_new ();
  KilnDoc *doc = kiln_doc_load_string ("t.yaml", text, strlen (text), diags);
  if (!doc)
    fail_msg ("YAML refused: %s", kiln_diags_get (diags, 0)->message);
  return doc;
}

static inline KilnComponent *
test_component (const char *text, KilnDiags *diags)
{
  return kiln_component_from_doc (test_yaml (text), diags);
}

static inline void
test_dump_diags (const KilnDiags *diags)
{
  for (guint i = 0; i < kiln_diags_count (diags); i++)
    {
      g_autofree char *s = kiln_diag_format (kiln_diags_get (diags, i));
      print_message ("  %s\n", s);
    }
}

/* Assert diags holds an entry at line:col (0 = any) containing fragment. */
#define assert_diag(diags, line, col, fragment)                             \
  do {                                                                      \
    if (!kiln_diags_find ((diags), (line), (col), (fragment)))              \
      {                                                                     \
        test_dump_diags (diags);                                            \
        fail_msg ("no diagnostic %d:%d '%s'", (line), (col), (fragment));   \
      }                                                                     \
  } while (0)

#define assert_no_errors(diags)                                             \
  do {                                                                      \
    if (kiln_diags_error_count (diags) != 0)                                \
      {                                                                     \
        test_dump_diags (diags);                                            \
        fail_msg ("unexpected errors");                                     \
      }                                                                     \
  } while (0)

/* A component whose build phase holds `steps` (indented for the list). */
static inline char *
test_build_doc (const char *params, const char *steps)
{
  return g_strdup_printf ("name: t\nschemaVersion: 1.0\n%s"
                          "phases:\n  - name: build\n    steps:\n%s",
                          params ? params : "", steps);
}
