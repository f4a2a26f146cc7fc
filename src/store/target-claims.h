/* target-claims.h - what kiln is about to make on a libvirt target,
 * written down on this host first
 *
 * Volumes and domains kiln makes on a daemon (a build's "kiln-TAG-*", a
 * probe's "kiln-probe-XXXXXX-*") are removed by the kiln that made them.
 * A kiln that is killed cannot: its claim, a small file under
 * $KILN_HOME/targets naming the owner process, the URI and the name
 * prefix, stays behind.  A later kiln removes what a dead owner's claim
 * names: on a daemon on this host at once (store/recover.c, every
 * command), on any other target when it connects there for its own work
 * (a build, `kiln doctor --connect`, `kiln images parents`): kiln opens
 * no ssh connection on behalf of a kiln that is gone.
 */
#pragma once

#include <glib.h>

typedef struct KilnTargetClaim KilnTargetClaim;

/* Records that this process is about to make names beginning with prefix
 * on uri.  prefix is "kiln-" and at least 6 letters, digits or dashes
 * that end in '-' (never a cached parent's "kiln-parent-"). */
KilnTargetClaim *kiln_target_claim_new (const char *uri, const char *prefix,
                                        GError **error);
/* Forgets the claim: its owner removed what it made (or is about to, on
 * the same path that frees this). */
void kiln_target_claim_free (KilnTargetClaim *claim);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KilnTargetClaim, kiln_target_claim_free)

/* A claim whose owner is gone, as kiln_target_claims_orphaned gives it. */
typedef struct {
  char *file;            /* the claim's own file, to drop when done */
  char *uri;
  char *prefix;
} KilnOrphanClaim;
void kiln_orphan_claim_free (KilnOrphanClaim *c);

/* The claims under home whose owner no longer runs, for uri (NULL: any
 * URI), as KilnOrphanClaim*.  A file that is not a claim is skipped. */
GPtrArray *kiln_target_claims_orphaned (const char *home, const char *uri);

/* Removes an orphaned claim's file once what it named is gone. */
void kiln_orphan_claim_drop (const KilnOrphanClaim *c);

/* Whether prefix is one a claim may name (see kiln_target_claim_new). */
gboolean kiln_target_claim_prefix_valid (const char *prefix);
