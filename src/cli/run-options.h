/* run-options.h - what `kiln run` and `kiln test` share: the options of a
 * one-off boot of an image and loading the components they name. */
#pragma once

#include <glib.h>

#include "build/job.h"
#include "base/diag.h"

typedef struct {
  char *image;
  char *output;             /* run: the run log folder (--output) */
  char *log_directory;      /* run: the same, by AWSTOE's name */
  char *output_image;       /* run: where the resulting image goes */
  char *execution_id;
  char **components;
  char *parameters;
  char *phases;
  char *memory;
  gint vcpus;
  char *accel;
  gboolean network;
  char *timeout;
  char *connect;
  gboolean keep;
  gboolean json;
} RunOptions;

void kiln_run_options_clear (RunOptions *o);
/* "a=1,b=2" -> name -> value. */
GHashTable *kiln_run_parse_parameters (const char *text, GError **error);
/* --image, --memory, --vcpus, --accel, --network, --timeout, --connect,
 * --keep-on-failure, --json into the job. */
gboolean kiln_run_apply_options (KilnJob *job, const RunOptions *o,
                                 GError **error);
/* Load a component by name or path and bind --parameters leniently. */
gboolean kiln_run_add_component (KilnJob *job, const char *ref,
                                 GHashTable *supplied, KilnDiags *diags);
/* Print the diagnostics; KILN_EXIT_BAD_INPUT when any is an error. */
int kiln_run_finish_documents (KilnDiags *diags);

#define KILN_RUN_OPTION_ENTRIES(o)                                                    \
  { "parameters", 0, 0, G_OPTION_ARG_STRING, &(o).parameters,               \
    "Parameter values: NAME=VALUE,NAME=VALUE", "LIST" },                     \
  { "memory", 0, 0, G_OPTION_ARG_STRING, &(o).memory,                        \
    "Guest memory (default 1G)", "SIZE" },                                   \
  { "vcpus", 0, 0, G_OPTION_ARG_INT, &(o).vcpus, "Guest vCPUs (default 2)",  \
    "N" },                                                                   \
  { "accel", 0, 0, G_OPTION_ARG_STRING, &(o).accel,                          \
    "auto, kvm or tcg (default auto)", "ACCEL" },                            \
  { "network", 0, 0, G_OPTION_ARG_NONE, &(o).network,                        \
    "Give the guest outbound network access (user-mode NAT)", NULL },        \
  { "timeout", 0, 0, G_OPTION_ARG_STRING, &(o).timeout,                      \
    "Time limit of the boot (default 60m)", "DURATION" },                    \
  { "connect", 'c', 0, G_OPTION_ARG_STRING, &(o).connect,                    \
    "libvirt URI (default: the embedded driver)", "URI" },                   \
  { "keep-on-failure", 'k', 0, G_OPTION_ARG_NONE, &(o).keep,                 \
    "Keep the overlay on failure and print how to boot it", NULL },          \
  { "json", 0, 0, G_OPTION_ARG_NONE, &(o).json,                              \
    "One JSON event per line on stdout", NULL }

