/* manifest.h - manifest.json: what went into an image and what came out
 *
 * Secrets: a parameter is redacted (its value replaced by "<redacted>")
 * when the recipe marks it secret, or when its name looks like one
 * (kiln_param_name_looks_secret).  A redacted value appears nowhere in the
 * output directory, not even as a digest.  docs/outputs.md has the format.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "common/kiln-types.h"

#define KILN_MANIFEST_VERSION 1
#define KILN_REDACTED "<redacted>"

typedef struct {
  const char *name;
  const char *value;
  gboolean secret;              /* marked secret in the recipe */
} KilnManifestParam;

typedef struct {
  const char *name;
  const char *version;          /* may be NULL */
  const char *source;           /* built-in name or path, may be NULL */
  const char *digest;           /* SHA-256 of the document text, may be NULL */
  GPtrArray *parameters;        /* KilnManifestParam*, bound values; may be NULL */
} KilnManifestComponent;

typedef struct {
  const char *stage;            /* "resolve", "prepare", ... */
  double seconds;
} KilnStageTiming;

/* What the build engine knows about the build (NULL for kiln convert). */
typedef struct {
  const char *build_key;        /* hex */
  const char *recipe_name;
  const char *recipe_version;
  gint64 build_number;          /* 0 = none */
  const char *recipe_description;
  const char *parent_name;      /* "debian-12", a path, "web-base@1.x" */
  const char *parent_digest;    /* "sha256:<hex>" */
  GPtrArray *components;        /* KilnManifestComponent* */
  GPtrArray *timings;           /* KilnStageTiming*, in stage order */
} KilnManifestBuild;

/* One file written by distribute. */
typedef struct {
  char *format;                 /* "vmdk"; NULL for SHA256SUMS, manifest... */
  char *subformat;              /* "streamOptimized" or NULL */
  char *file;                   /* name in the output directory */
  char *path;                   /* full path */
  guint64 virtual_size;         /* disk formats and ova; 0 otherwise */
  guint64 file_size;
  guint64 allocated_size;       /* bytes the file occupies (sparse files) */
  char *sha256;
} KilnArtifact;

KilnArtifact *kiln_artifact_new (void);
void kiln_artifact_free (KilnArtifact *a);

typedef struct {
  const char *name;             /* artifact base name */
  const char *created;          /* ISO 8601 UTC; NULL = now */
  const char *kiln_version;
  const KilnManifestBuild *build; /* NULL: not a build (kiln convert) */
  const char *source_path;      /* the image converted (kiln convert) */
  const char *source_format;
  guint64 source_virtual_size;
  const KilnOsInfo *os;         /* NULL: not inspected */
  const char *kernel;           /* the default kernel, or NULL */
  GPtrArray *packages;          /* KilnPackage*, or NULL */
  GHashTable *tags;             /* char* -> char*, or NULL */
  GPtrArray *lint_targets;      /* char* */
  GPtrArray *findings;          /* KilnLintFinding* */
  GPtrArray *artifacts;         /* KilnArtifact*: the disk images and OVA */
  GPtrArray *files;             /* KilnArtifact*: SBOM, import files */
  GPtrArray *extra_timings;     /* KilnStageTiming* appended after the
                                   build's (distribute itself) */
} KilnManifestInput;

/* Whether a parameter name looks like a secret: password, passwd,
 * passphrase, secret, token, credential, api key, private key, access key
 * (case-insensitive, any separator), unless it names a setting about one
 * (it ends in authentication, auth, policy, enabled, required, length,
 * expiry, maxage or minage: passwordAuthentication). */
gboolean kiln_param_name_looks_secret (const char *name);
gboolean kiln_param_is_secret (const KilnManifestParam *p);

JsonNode *kiln_manifest_build (const KilnManifestInput *in);
