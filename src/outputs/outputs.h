/* outputs.h - stage 7, distribute: one generalized image in, artifacts out
 *
 * kiln_distribute() converts the source image to every requested format in
 * parallel (qemu-img, one thread per conversion), packs the OVA, checks each
 * result by reading it back, and writes next to the artifacts:
 *   SHA256SUMS          `sha256sum -c SHA256SUMS` accepts it
 *   manifest.json       inputs, guest, packages, timings, lint, artifacts
 *   sbom.cdx.json       CycloneDX 1.5 (when a package list is given)
 *   aws-*.json          AWS CLI input (when an artifact can be imported)
 * Everything is written to a temporary directory inside the output
 * directory and renamed into place at the end: a failed, cancelled or
 * interrupted run leaves no partial artifact (a killed one leaves only a
 * hidden .kiln-distribute.PID.* directory, removed by the next run).
 *
 * Before converting anything it runs the import-readiness lint for the
 * requested targets; an error-level finding stops it unless
 * allow_lint_errors.
 */
#pragma once

#include <gio/gio.h>

#include "cloud-import.h"
#include "formats.h"
#include "common/kiln-types.h"
#include "lint.h"
#include "manifest.h"
#include "sbom.h"

typedef enum {
  KILN_ARTIFACT_WAITING,        /* queued, or waiting for the disk it packs */
  KILN_ARTIFACT_CONVERTING,     /* qemu-img convert */
  KILN_ARTIFACT_PACKING,        /* writing the OVA tar */
  KILN_ARTIFACT_CHECKSUMMING,   /* SHA-256 */
  KILN_ARTIFACT_DONE,
  KILN_ARTIFACT_FAILED,
} KilnArtifactPhase;

const char *kiln_artifact_phase_name (KilnArtifactPhase phase);

/* Progress of one artifact (file name), fraction 0..1 within the phase.
 * Always called in the thread that called kiln_distribute(), from its
 * thread-default main context. */
typedef void (*KilnArtifactProgressFn) (const char *artifact,
                                        KilnArtifactPhase phase,
                                        double fraction, gpointer user_data);

typedef struct {
  /* The generalized image.  Only read, never written. */
  const char *source;
  const char *source_format;    /* "qcow2", "raw"...; required */

  GPtrArray *formats;           /* KilnFormat* (kiln_format_list_parse) */
  const char *output_dir;       /* created when missing */
  const char *base_name;        /* BASE.raw, BASE.vmdk ... [A-Za-z0-9._+-] */
  gboolean overwrite;           /* replace files of the same names */

  /* What inspection found (the engine's stage-5 guest handle); NULL when
   * not inspected: OVF says otherLinux64Guest, no SBOM, no guest in the
   * manifest. */
  const KilnOsInfo *os;
  GPtrArray *packages;          /* KilnPackage*, or NULL */
  /* Lint facts (guest-facts.h).  distribute fills in formats,
   * ovf_controller, ovf_nic and virtual_size before running the rules.
   * NULL: no lint (lint_targets must then be empty). */
  KilnLintFacts *facts;
  GPtrArray *lint_targets;      /* char*: kvm aws azure vsphere; may be NULL */
  gboolean allow_lint_errors;

  /* For the manifest and the cloud files. */
  const KilnManifestBuild *build; /* NULL for kiln convert */
  GHashTable *tags;             /* char* -> char*, may be NULL */
  const KilnAwsOptions *aws;    /* may be NULL: placeholders */

  /* The VM an OVA describes. 0/NULL = defaults: 2 vCPU, 2048 MiB,
   * lsilogic, vmxnet3, "VM Network", hardware version 13 (ESXi 6.5+). */
  guint vm_cpus;
  guint vm_memory_mib;
  const char *vm_controller;
  const char *vm_nic;
  const char *vm_network;
  guint vmware_hw_version;

  guint parallel;               /* conversions at once; 0 = CPU count */
  KilnArtifactProgressFn progress;
  gpointer progress_data;
} KilnDistributeSpec;

typedef struct {
  char *output_dir;
  GPtrArray *artifacts;         /* KilnArtifact*: disks and OVA, format order */
  GPtrArray *files;             /* KilnArtifact*: manifest.json, SHA256SUMS,
                                   sbom.cdx.json, aws-*.json */
  GPtrArray *findings;          /* KilnLintFinding* */
  double seconds;
} KilnDistributeResult;

void kiln_distribute_result_free (KilnDistributeResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnDistributeResult, kiln_distribute_result_free)

/* The lint kiln_distribute would run (empty when no facts or targets), for
 * showing findings before (or instead of) distributing. */
GPtrArray *kiln_distribute_lint (const KilnDistributeSpec *spec);

/* Runs the stage.  FALSE on failure (KILN_ERROR_INPUT for a bad spec or
 * an existing file, KILN_ERROR_FAILED for lint errors or a failed
 * conversion, KILN_ERROR_CANCELLED), with nothing left in output_dir. */
gboolean kiln_distribute (const KilnDistributeSpec *spec,
                          KilnDistributeResult **result,
                          GCancellable *cancellable, GError **error);

/* Removes what a kiln process pid that was killed during kiln_distribute
 * left in out_dir (its hidden temporary directory); their paths are added
 * to removed when not NULL.  How many it removed. */
guint kiln_distribute_remove_leftovers (const char *out_dir, gint64 pid,
                                        GPtrArray *removed);

/* A base name kiln accepts for artifacts (letters, digits, . _ + -, not
 * starting with '.' or '-', at most 200 bytes). */
gboolean kiln_artifact_name_valid (const char *name, GError **error);
