/* seed.h - NoCloud seed volumes (cidata) for build and test boots
 *
 * An image with cloud-init looks for a datasource at boot; without one it
 * waits on network metadata services, or turns itself off.  Every kiln boot
 * attaches a small read-only vfat volume labelled CIDATA holding meta-data
 * (instance-id, local-hostname), user-data (#cloud-config) and
 * network-config, so cloud-init finishes at once and the agent can start.
 * The volume is made with mkfs.vfat and filled with mtools' mcopy: nothing
 * is mounted.
 *
 * What the user-data asks for, and why:
 *  - users: root only, lock_passwd false - no default user (the build must
 *    not leave an account in the golden image) and root left as it is, in
 *    a form cloud-init's schema takes (it warns on an empty list);
 *  - no ssh_pwauth key - kiln never logs in, and cloud-init leaves the
 *    image's sshd configuration alone (harden-ssh is a component);
 *  - growpart + resize_rootfs - a recipe's `disk:` grows the root;
 *  - apt: preserve_sources_list - the image keeps its own sources;
 *  - network-config `config: disabled` - the image's own network setup is
 *    used, and cloud-init writes no per-MAC network file into the image.
 */
#pragma once

#include <gio/gio.h>

/* A file put on the volume beside the three cloud-init files. */
typedef struct {
  const char *name;            /* on the volume: an 8.3-safe plain name */
  const char *host_path;       /* its contents */
} KilnSeedFile;

typedef struct {
  const char *instance_id;     /* required: a new one per boot stage */
  const char *hostname;        /* local-hostname; NULL = "kiln" */
  const char *extra_user_data; /* appended #cloud-config keys, or NULL */
  const KilnSeedFile *files;   /* n_files more files, or NULL */
  guint n_files;
} KilnSeedSpec;

/* The three files as text (for tests and logs); caller frees. */
char *kiln_seed_meta_data (const KilnSeedSpec *spec);
char *kiln_seed_user_data (const KilnSeedSpec *spec);
const char *kiln_seed_network_config (void);

/* Writes a raw vfat volume labelled CIDATA at path (replaced), large
 * enough for the extra files.  Needs
 * mkfs.vfat (dosfstools) and mcopy (mtools): KILN_ERROR_HOST when missing. */
gboolean kiln_seed_create (const KilnSeedSpec *spec, const char *path,
                           GError **error);
