/* catalog.h - the SQLite catalog of builds, their states and artifacts
 *
 * Every state change is recorded before it is acted on (docs/design.md, "The state machine"),
 * the build's state and its history entry in one transaction.
 * States: pending building testing distributing available failed cancelled.
 * A build records its owner (the kiln process, owner.h) when it begins and
 * its stage as it enters each (src/store/recover.c uses both).
 */
#pragma once

#include <gio/gio.h>

typedef struct KilnCatalog KilnCatalog;

KilnCatalog *kiln_catalog_open (const char *path, GError **error);
void kiln_catalog_close (KilnCatalog *cat);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnCatalog, kiln_catalog_close)

/* A new build of name/version in state pending; allocates the next build
 * number for that name and version. */
gint64 kiln_catalog_begin_build (KilnCatalog *cat, const char *name,
                                 const char *version, const char *recipe_path,
                                 gint64 *build_number, GError **error);

gboolean kiln_catalog_set_state (KilnCatalog *cat, gint64 build_id,
                                 const char *state, const char *detail,
                                 GError **error);

/* Set one text column of a build: build_key, parent, parent_digest,
 * log_path, image_path, image_digest, failure, stage, connect_uri,
 * domain_tag, output_dir. */
gboolean kiln_catalog_set (KilnCatalog *cat, gint64 build_id,
                           const char *column, const char *value,
                           GError **error);

gboolean kiln_catalog_add_artifact (KilnCatalog *cat, gint64 build_id,
                                    const char *format, const char *path,
                                    guint64 size, const char *sha256,
                                    GError **error);

/* The paths of a build's artifacts and sidecar files (char*), in the order
 * they were added. */
GPtrArray *kiln_catalog_artifact_paths (KilnCatalog *cat, gint64 build_id,
                                        GError **error);

typedef struct {
  gint64 id;
  char *name;
  char *version;
  gint64 build_number;
  char *state;
  char *build_key;
  char *parent;
  char *parent_digest;
  char *image_path;
  char *image_digest;
  char *log_path;
  char *failure;
  char *started;
  char *finished;
  gint64 owner_pid;          /* the kiln process running it (owner.h); */
  guint64 owner_start;       /* 0 for builds recorded before owners were */
  char *stage;               /* the stage it is in or failed in, or NULL */
  char *deprecated;     /* when it was deprecated, or NULL */
  char *connect_uri;    /* its libvirt URI; NULL: the embedded driver */
  char *domain_tag;     /* its domains are named kiln-TAG-..., or NULL */
  char *output_dir;     /* set when distribute begins, or NULL */
} KilnBuildRecord;

void kiln_build_record_free (KilnBuildRecord *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnBuildRecord, kiln_build_record_free)

KilnBuildRecord *kiln_catalog_get_build (KilnCatalog *cat, gint64 build_id,
                                         GError **error);
/* Builds, newest first; name may be NULL for all.  KilnBuildRecord*. */
GPtrArray *kiln_catalog_list_builds (KilnCatalog *cat, const char *name,
                                     GError **error);
/* Every recipe name the catalog has builds of, with the recipe file its
 * newest build was made from (absolute, as kiln build recorded it):
 * name, path, name, path, ... (char*), by name. */
GPtrArray *kiln_catalog_recipe_paths (KilnCatalog *cat, GError **error);
/* The newest available build of name whose build key is key (the cache). */
KilnBuildRecord *kiln_catalog_find_by_key (KilnCatalog *cat, const char *name,
                                           const char *key, GError **error);
/* Builds in pending, building, testing or distributing, oldest first. */
GPtrArray *kiln_catalog_list_unfinished (KilnCatalog *cat, GError **error);
/* Marks r failed with detail (also its failure column) in one transaction,
 * only if it is still unfinished and owned by the owner r names: of two
 * kiln processes recovering the same build one changes it (*changed). */
gboolean kiln_catalog_fail_abandoned (KilnCatalog *cat,
                                      const KilnBuildRecord *r,
                                      const char *detail, gboolean *changed,
                                      GError **error);
gboolean kiln_catalog_delete_build (KilnCatalog *cat, gint64 build_id,
                                    GError **error);

/* Deprecation (lifecycle policies, kiln images deprecate): a mark beside
 * the state, in a table of its own.  Setting it twice keeps the first
 * time; detail says who did it. */
gboolean kiln_catalog_set_deprecated (KilnCatalog *cat, gint64 build_id,
                                      gboolean deprecated, const char *detail,
                                      GError **error);

typedef struct {
  char *format;         /* NULL for SHA256SUMS, the manifest, ... */
  char *path;
  guint64 size;
  char *sha256;
} KilnArtifactRecord;

void kiln_artifact_record_free (KilnArtifactRecord *a);
/* A build's artifacts and sidecar files, KilnArtifactRecord*, in the order
 * they were added. */
GPtrArray *kiln_catalog_list_artifacts (KilnCatalog *cat, gint64 build_id,
                                        GError **error);

/* SHA-256 of a file, cached by (path, size, mtime).  A parent can be
 * many gigabytes: cancellable (may be NULL) stops the reading. */
char *kiln_catalog_file_digest (KilnCatalog *cat, const char *path,
                                GCancellable *cancellable, GError **error);
