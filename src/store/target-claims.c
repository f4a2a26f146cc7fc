/* target-claims.c - what kiln is about to make on a libvirt target
 * (target-claims.h) */
#include "config.h"

#include "target-claims.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "base/owner.h"
#include "base/paths.h"
#include "common/kiln.h"

/* a claim's file: "PID START\nURI\nPREFIX\n" */
#define CLAIM_MAX 4096
#define CLAIM_PREFIX "claim-"

struct KilnTargetClaim {
  char *file;
};

static char *
claims_dir (const char *home)
{
  return g_build_filename (home, "targets", NULL);
}

gboolean
kiln_target_claim_prefix_valid (const char *prefix)
{
  if (!g_str_has_prefix (prefix, "kiln-") || !g_str_has_suffix (prefix, "-")
      || g_str_has_prefix (prefix, "kiln-parent-"))
    return FALSE;
  const char *rest = prefix + strlen ("kiln-");
  if (strlen (rest) < 7)
    return FALSE;
  for (const char *c = rest; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '-')
      return FALSE;
  return TRUE;
}

KilnTargetClaim *
kiln_target_claim_new (const char *uri, const char *prefix, GError **error)
{
  if (!kiln_target_claim_prefix_valid (prefix) || strchr (uri, '\n'))
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "not a name prefix kiln claims on %s: %s", uri, prefix);
      return NULL;
    }
  g_autofree char *dir = claims_dir (kiln_home ());
  if (g_mkdir_with_parents (dir, 0700) < 0)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST, "cannot create %s: %s",
                   dir, g_strerror (e));
      return NULL;
    }
  g_autofree char *path = g_build_filename (dir, CLAIM_PREFIX "XXXXXX", NULL);
  int fd = g_mkstemp_full (path, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, KILN_ERROR, KILN_ERROR_HOST,
                   "cannot create a file in %s: %s", dir, g_strerror (e));
      return NULL;
    }
  close (fd);
  KilnOwner self = kiln_owner_self ();
  g_autofree char *who = kiln_owner_format (&self);
  g_autofree char *text = g_strdup_printf ("%s\n%s\n%s\n", who, uri, prefix);
  if (!g_file_set_contents (path, text, -1, error))
    {
      g_unlink (path);
      return NULL;
    }
  KilnTargetClaim *c = g_new0 (KilnTargetClaim, 1);
  c->file = g_steal_pointer (&path);
  return c;
}

void
kiln_target_claim_free (KilnTargetClaim *claim)
{
  if (!claim)
    return;
  g_unlink (claim->file);
  g_free (claim->file);
  g_free (claim);
}

void
kiln_orphan_claim_free (KilnOrphanClaim *c)
{
  if (!c)
    return;
  g_free (c->file);
  g_free (c->uri);
  g_free (c->prefix);
  g_free (c);
}

/* The claim in file, when its owner is gone; NULL otherwise. */
static KilnOrphanClaim *
read_orphan (const char *file)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents (file, &text, &len, NULL) || len > CLAIM_MAX)
    return NULL;
  g_auto (GStrv) lines = g_strsplit (text, "\n", 4);
  KilnOwner owner;
  /* a claim being written has no lines yet: its owner runs anyway */
  if (g_strv_length (lines) < 3 || !kiln_owner_parse (lines[0], &owner)
      || kiln_owner_alive (&owner) || !*lines[1]
      || !kiln_target_claim_prefix_valid (lines[2]))
    return NULL;
  KilnOrphanClaim *c = g_new0 (KilnOrphanClaim, 1);
  c->file = g_strdup (file);
  c->uri = g_strdup (lines[1]);
  c->prefix = g_strdup (lines[2]);
  return c;
}

GPtrArray *
kiln_target_claims_orphaned (const char *home, const char *uri)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (
      (GDestroyNotify) kiln_orphan_claim_free);
  g_autofree char *dir = claims_dir (home);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      if (!g_str_has_prefix (name, CLAIM_PREFIX))
        continue;
      g_autofree char *file = g_build_filename (dir, name, NULL);
      KilnOrphanClaim *c = read_orphan (file);
      if (c && uri && !g_str_equal (c->uri, uri))
        g_clear_pointer (&c, kiln_orphan_claim_free);
      if (c)
        g_ptr_array_add (out, c);
    }
  return out;
}

void
kiln_orphan_claim_drop (const KilnOrphanClaim *c)
{
  g_unlink (c->file);
}
