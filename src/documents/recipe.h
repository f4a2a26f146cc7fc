/* recipe.h - kiln recipe documents (docs/recipes-and-pipelines.md)
 *
 *   name: web-golden            # [a-z0-9][a-z0-9-]*, at most 63 characters
 *   version: 1.2.0              # exact MAJOR.MINOR.PATCH
 *   description: ...            # optional
 *   parent: debian-12           # a template name,
 *                               # a path to a qcow2/raw image (has a '/' or
 *                               #   ends in .qcow2 .raw .img; relative to
 *                               #   the recipe file),
 *                               # or another recipe's image: web-base@1.x
 *   disk: 8G                    # optional: grow the disk (see units.h)
 *   components:                 # optional, in order
 *     - update-os               # built-in (components/<name>.yaml)
 *     - ./components/site.yaml  # a path (has a '/' or ends in .yaml/.yml)
 *     - component: ./c.yaml
 *       parameters: { port: "8080" }              # kiln style, or
 *       parameters: [{name: port, value: ["8080"]}] # Image Builder style
 *   build:                      # every key optional
 *     memory: 1G                # >= 256M, <= 1T              (default 1G)
 *     vcpus: 2                  # 1..64                        (default 2)
 *     accel: auto               # auto | kvm | tcg             (default auto)
 *     network: none             # none | user                  (default none)
 *     timeout: 60m              # 1m..7d, whole build stage    (default 60m)
 *     connect: embed            # embed, qemu:///system, qemu+ssh://H/system
 *                               # ... (connect.h; default embed)
 *   outputs:                    # every key optional
 *     name: "{{ kiln:name }}-{{ kiln:buildDate }}"   # (default; naming.h)
 *     formats: [qcow2]          # qcow2 raw vmdk vhdx vhd ova, no duplicates
 *     directory: ./dist         # relative to the recipe file (default ./dist)
 *     tags: { Project: demo }   # string map: keys 1-128, values 0-256 chars
 *     retain: 5                 # newest N builds kept; absent = keep all
 *     # options of one format (a warning when that format is not built):
 *     qcow2: { compress: false }                # default false
 *     vmdk: { subformat: streamOptimized }      # or monolithicSparse,
 *                                               # monolithicFlat,
 *                                               # twoGbMaxExtentSparse,
 *                                               # twoGbMaxExtentFlat
 *     vhd: { subformat: fixed }                 # fixed (Azure) | dynamic
 *     vhdx: { subformat: dynamic }              # dynamic | fixed
 *     # where the image is going (for the import-readiness lint and upload):
 *     targets: [aws, azure, vsphere]            # any subset, no duplicates
 *     aws: { bucket: my-bucket, prefix: images/, region: eu-west-1 }
 *                                               # bucket required
 *   lifecycle: [...]            # optional: deprecate and delete rules
 *                               # (lifecycle.h)
 *   notify: [...]               # optional: whom kiln build tells how it
 *                               # went (notify.h)
 *
 * Every problem is reported with its position; unknown keys get a "did you
 * mean".  A parent image path that does not exist is a warning only (a
 * build resolves and checks the parent; templates and recipe references
 * are resolved by the build engine too).
 */
#pragma once

#include <glib.h>

#include "component.h"
#include "base/diag.h"
#include "common/kiln-types.h"
#include "lifecycle.h"
#include "notify.h"
#include "semver.h"
#include "yamldoc.h"

#define KILN_RECIPE_NAME_MAX 63

typedef enum {
  KILN_PARENT_TEMPLATE,
  KILN_PARENT_IMAGE,
  KILN_PARENT_RECIPE,
} KilnParentKind;

typedef struct {
  KilnParentKind kind;
  char *text;                  /* as written */
  char *template_name;         /* TEMPLATE: "debian-12" */
  char *image_path;            /* IMAGE: resolved against the recipe's dir */
  char *recipe_name;           /* RECIPE: "web-base" */
  KilnSemverPattern version;   /* RECIPE: 1.x -> 1.x.x */
  const KilnNode *node;
} KilnParentRef;

typedef struct {
  char *ref;                   /* as written: "update-os", "./c/site.yaml" */
  gboolean builtin;            /* a name from the built-in library */
  char *path;                  /* the file: library or recipe-relative */
  GHashTable *parameters;      /* name -> value as supplied (strings) */
  GHashTable *parameter_nodes; /* name -> const KilnNode* (the name as
                                * written: a key, or a list item's name) */
  GHashTable *parameter_value_nodes; /* name -> the value's const KilnNode* */
  GHashTable *secret_parameters; /* names marked `secret: true` (a set) */
  gboolean offline;            /* `offline: true`: build and validate run in
                                * the libguestfs appliance, no boot */
  const KilnNode *offline_node;
  const KilnNode *node;        /* the list entry */
  const KilnNode *ref_node;    /* the component name or path scalar */
  /* Filled by kiln_recipe_resolve_components(): */
  KilnComponent *component;
  GHashTable *bound;           /* every parameter and constant -> value */
} KilnRecipeComponent;

typedef enum {
  KILN_NETWORK_NONE,
  KILN_NETWORK_USER,
} KilnNetwork;

typedef struct {
  guint64 memory;              /* bytes */
  guint vcpus;
  KilnAccel accel;
  KilnNetwork network;
  gint64 timeout;              /* seconds */
  char *connect;               /* NULL = embed, else a libvirt URI */
  char *pool;                  /* a daemon's storage pool for the disks
                                * (NULL: kiln's own, "kiln") */
} KilnBuildSettings;

typedef struct {
  char *name;                  /* naming template */
  char **formats;              /* document order, NULL-terminated */
  char *directory;             /* as written */
  char *directory_path;        /* resolved against the recipe's dir */
  char **tag_keys;             /* document order, NULL-terminated */
  GHashTable *tags;            /* key -> value */
  guint retain;                /* 0 = keep every build */
  gboolean qcow2_compress;
  char *vmdk_subformat;        /* qemu-img -o subformat= */
  char *vhd_subformat;
  char *vhdx_subformat;
  char **targets;              /* "aws", "azure", "vsphere"; NULL-terminated */
  char *aws_bucket;            /* NULL when outputs.aws is absent */
  char *aws_prefix;            /* "" when not given */
  char *aws_region;            /* NULL when not given */
} KilnOutputSettings;

typedef struct {
  KilnDoc *doc;                /* owns every KilnNode referenced below */
  char *path;                  /* as given */
  char *dir;                   /* the directory relative paths start from */
  char *name;
  char *version_text;
  KilnSemver version;
  char *description;           /* may be NULL */
  KilnParentRef parent;
  guint64 disk;                /* bytes; 0 = keep the parent's size */
  GPtrArray *components;       /* KilnRecipeComponent* */
  KilnBuildSettings build;
  KilnOutputSettings outputs;
  GPtrArray *lifecycle;        /* KilnLifecycleRule*; NULL after errors */
  GPtrArray *notify;           /* KilnNotifyTarget*; NULL after errors */
} KilnRecipe;

/* The full check: the recipe document, then every component it names
 * (loaded and validated, parameters bound strictly).  Errors in a
 * component are reported in that component's file.  NULL on any error. */
KilnRecipe *kiln_recipe_load (const char *path, KilnDiags *diags);
/* The same for a loaded document (taken over, freed on failure too). */
KilnRecipe *kiln_recipe_from_doc (KilnDoc *doc, KilnDiags *diags);

/* The recipe document alone, components not loaded (taken over).  NULL on
 * any error. */
KilnRecipe *kiln_recipe_parse (KilnDoc *doc, KilnDiags *diags);
/* The same, but the model is returned even when errors were reported (so a
 * caller can go on and report the components' errors as well); NULL only
 * when the document is not a mapping.  Check diags. */
KilnRecipe *kiln_recipe_parse_lenient (KilnDoc *doc, KilnDiags *diags);
/* Find, load, validate and bind every component (recipe-components.c).
 * Returns FALSE with errors in diags. */
gboolean kiln_recipe_resolve_components (KilnRecipe *r, KilnDiags *diags);

void kiln_recipe_free (KilnRecipe *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnRecipe, kiln_recipe_free)

gboolean kiln_recipe_has_format (const KilnRecipe *r, const char *format);
/* The output name of a build (naming.h). */
char *kiln_recipe_output_name (const KilnRecipe *r, gint64 build_number,
                               GDateTime *build_date, GError **error);

const char *kiln_network_name (KilnNetwork network);

/* ref relative to the directory of file (absolute refs stay), without a
 * leading "./", so messages name files the way the user would. */
char *kiln_path_relative_to_file (const char *file, const char *ref);

/* Names of recipes, pipelines, templates, built-in components:
 * [a-z0-9][a-z0-9-]*, 1..63 characters. */
gboolean kiln_name_is_valid (const char *s);
gboolean kiln_schema_name (KilnDiags *diags, const KilnNode *n,
                           const char *what);

/* Allowed values, NULL-terminated (for other modules and messages). */
extern const char *const kiln_output_formats[];
extern const char *const kiln_output_targets[];
