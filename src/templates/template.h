/* template.h - base-image templates (templates/NAME.yaml)
 *
 * A template describes a cloud-style base image built from a distribution's
 * own packages (mmdebstrap for Debian): suite, mirror, packages, disk size,
 * partition table, bootloader and firmware.  docs/templates.md documents the
 * format.  kiln_template_load() parses and fully validates one; every
 * problem goes to KilnDiags as FILE:LINE:COL.
 *
 * The digest is SHA-256 over the template's canonical text (the validated
 * model as JSON with fixed key order, plus the version of kiln's template
 * builder), so comments, key order and quoting do not cause a rebuild, and
 * a change to what gets built does.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "base/diag.h"
#include "base/reporter.h"
#include "documents/yamldoc.h"

/* Bumped whenever backends/template-build.c changes what it puts in an
 * image: cached template images built by an older builder are rebuilt. */
#define KILN_TEMPLATE_BUILDER_VERSION 2

typedef enum {
  KILN_FIRMWARE_BIOS,
  KILN_FIRMWARE_UEFI,
} KilnFirmware;

typedef struct {
  KilnDoc *doc;              /* owns the nodes; kept for positions */
  char *path;                /* as given */
  char *name;                /* [a-z0-9][a-z0-9.-]* */
  char *description;         /* may be NULL */
  char *distribution;        /* "debian" (the only builder so far) */
  char *suite;               /* "bookworm" */
  char *architecture;        /* "amd64" */
  char *variant;             /* mmdebstrap --variant */
  GPtrArray *areas;          /* char*: archive components, e.g. "main" */
  gboolean updates;          /* add SUITE-updates from the mirror */
  gboolean security;         /* add SUITE-security from the security mirror */
  char *mirror;              /* NULL: --mirror, else the host's apt sources */
  char *security_mirror;     /* NULL: the host's, else the distribution's */
  GPtrArray *packages;       /* char*: added with --include */
  guint64 size;              /* virtual disk size in bytes */
  char *partition_table;     /* "msdos" or "gpt" */
  char *root_fs;             /* "ext4" */
  char *root_label;          /* filesystem label of the root, e.g. "root" */
  guint64 esp_size;          /* UEFI: EFI system partition size in bytes */
  char *bootloader;          /* "grub" */
  KilnFirmware firmware;
  char *hostname;            /* /etc/hostname until cloud-init sets one */
  char *timezone;            /* e.g. "Etc/UTC" */
  char *locale;              /* e.g. "C.UTF-8" */
  GPtrArray *datasources;    /* char*: cloud-init datasource_list */
  char *kernel_cmdline;      /* extra GRUB_CMDLINE_LINUX words, may be "" */
  gboolean compress;         /* store a compressed qcow2 */
  char *digest;              /* SHA-256 hex of the canonical text */
} KilnTemplate;

/* Parse and validate.  NULL on any error (all of them in diags). */
KilnTemplate *kiln_template_load (const char *path, KilnDiags *diags);
KilnTemplate *kiln_template_load_string (const char *name, const char *text,
                                         KilnDiags *diags);
void kiln_template_free (KilnTemplate *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnTemplate, kiln_template_free)

/* The canonical text the digest is computed over (JSON, fixed order). */
char *kiln_template_canonical_text (const KilnTemplate *t);
const char *kiln_template_firmware_name (KilnFirmware fw);

/* Template names: [a-z0-9][a-z0-9.-]*, at most 64 characters. */
gboolean kiln_template_name_is_valid (const char *name);

/* Path of the template file for NAME: NAME itself when it names an existing
 * *.yaml file, else DATADIR/templates/NAME.yaml.  NULL when neither exists. */
char *kiln_template_find (const char *name);
/* Names (char*) of the templates in DATADIR/templates, sorted. */
GPtrArray *kiln_template_list_names (void);

/* The mirror a build of t uses: mirror_override (--mirror; not for the
 * security mirror), else the template's own, else the one this machine's
 * apt sources use, else the distribution's public one. */
char *kiln_template_mirror (const KilnTemplate *t, const char *mirror_override,
                            gboolean security);

/* ---- the store: $KILN_HOME/templates/NAME/DIGEST/{image.qcow2,template.json}
 * (src/templates/template-store.c) */

typedef struct {
  char *name;
  char *digest;
  char *template_path;
  char *image_path;          /* .../image.qcow2 */
  char *image_format;        /* "qcow2" */
  char *firmware;            /* "bios" or "uefi" */
  char *mirror;              /* the mirror the image was built from */
  char *built;               /* RFC 3339 UTC */
  guint64 virtual_size;
  guint64 allocated_size;    /* bytes the qcow2 file takes on the host */
  guint64 file_size;
  JsonObject *timings;       /* seconds per phase, may be NULL */
  gboolean cache_hit;        /* ensure_built reused an existing image */
} KilnTemplateImage;

void kiln_template_image_free (KilnTemplateImage *img);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnTemplateImage, kiln_template_image_free)

/* Directory of one built template: $KILN_HOME/templates/NAME/DIGEST. */
char *kiln_template_store_dir (const char *name, const char *digest);

/* The stored image for t when one with t's digest exists (NULL otherwise,
 * no error).  The image's template.json is read back. */
KilnTemplateImage *kiln_template_lookup (const KilnTemplate *t,
                                         GError **error);

typedef struct {
  gboolean refresh;          /* rebuild even when the digest matches */
  gint64 max_age;            /* seconds; > 0: rebuild an image built longer
                              * ago than that (a pipeline's refresh:) */
  const char *mirror;        /* --mirror URL, or NULL */
  KilnReporter *reporter;    /* progress; may be NULL */
  GCancellable *cancellable; /* may be NULL */
} KilnTemplateBuildOptions;

/* The simple form for resolving `parent: NAME` in a recipe: builds when
 * needed and sets *image_path (caller frees) to the stored qcow2.
 * reporter may be NULL. */
gboolean kiln_template_ensure_built (const char *name_or_path,
                                     gboolean refresh, KilnReporter *reporter,
                                     char **image_path, GError **error);

/* name_or_path: a template name or a template file.  Returns the stored
 * image, building it first when there is none for the template's current
 * digest (or when opts->refresh, or when opts->mirror differs from the
 * mirror the stored image came from).  Holds a lock on
 * $KILN_HOME/templates/NAME so concurrent callers build once.  Errors:
 * KILN_ERROR_INPUT for an unknown or invalid template (the diagnostics are
 * in the message), KILN_ERROR_HOST for missing tools, KILN_ERROR_FAILED
 * for a failed build. */
KilnTemplateImage *kiln_template_ensure (
    const char *name_or_path, const KilnTemplateBuildOptions *opts,
    GError **error);

/* For a stored template image path (as ensure_built returned it): the
 * firmware it boots with, "bios" or "uefi" (from its template.json); NULL
 * when path is not a stored template image. */
char *kiln_template_image_firmware (const char *image_path);

/* Whether an image built at built (ISO 8601, as template.json records it)
 * is older than max_age seconds at now; an unreadable time counts as old,
 * so that the image is rebuilt rather than kept for ever. */
gboolean kiln_template_built_before (const char *built, GDateTime *now,
                                     gint64 max_age);

/* Every stored template image (newest first), from the store directories. */
GPtrArray *kiln_template_list_built (const char *name /* NULL = all */,
                                     GError **error);
