/* guest-facts.h - the import-readiness facts and the packages of an open
 * guest
 *
 * The backend hands back raw guest data (backends/guestfs.h: directory
 * listings, file contents, mounts, the disk's first bytes, package database
 * rows); this module decides what to read and parses it with the lint's
 * parsers (lint-parse.h, initramfs.h).  Reads only, on the guest handle the
 * stage already opened: no second appliance launch.  The rules that judge
 * the facts are in lint.c.
 */
#pragma once

#include <glib.h>

#include "common/kiln-types.h"
#include "lint.h"

/* NULL only when the guest cannot be read at all; missing files are facts,
 * not errors. */
KilnLintFacts *kiln_guest_lint_facts (KilnGuest *g, GError **error);

/* The guest's installed packages as KilnPackage* (sbom.h). */
GPtrArray *kiln_guest_packages (KilnGuest *g, GError **error);
