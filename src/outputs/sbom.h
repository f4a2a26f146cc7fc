/* sbom.h - the guest's packages as a CycloneDX 1.5 JSON SBOM
 *
 * Each package becomes a component with a package URL:
 *   pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12
 *   pkg:rpm/fedora/bash@5.2.26-3.fc40?arch=x86_64&distro=fedora-40&epoch=1
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "common/kiln-types.h"

typedef struct {
  char *name;
  char *version;                /* as the package manager prints it */
  char *arch;                   /* may be NULL */
} KilnPackage;

KilnPackage *kiln_package_new (const char *name, const char *version,
                               const char *arch);
void kiln_package_free (KilnPackage *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnPackage, kiln_package_free)
/* A row of the guest's package database as a package: the version as the
 * distribution's tools print it, [epoch:]version[-release].  NULL for a row
 * without a name. */
KilnPackage *kiln_package_from_row (const KilnPackageRow *row);

typedef struct {
  const char *image_name;       /* the artifact base name */
  const char *image_version;    /* recipe version, or NULL */
  const char *distro;           /* "debian"; NULL = unknown */
  int major_version;
  int minor_version;
  const char *product_name;
  const char *arch;
  const char *package_format;   /* "deb", "rpm", "apk", ... */
  GPtrArray *packages;          /* KilnPackage* */
  const char *timestamp;        /* ISO 8601 UTC; NULL = now */
  const char *serial;           /* "urn:uuid:..."; NULL = random */
  const char *kiln_version;
} KilnSbomInput;

/* A package URL (purl) for one package, or NULL when the package format
 * has no purl type. */
char *kiln_purl (const char *package_format, const char *distro,
                 int major_version, const KilnPackage *p);

JsonNode *kiln_sbom_build (const KilnSbomInput *in);
