/* connect.h - the libvirt connections a document may ask for
 *
 * A recipe's `build.connect` comes from whoever wrote the recipe, and a
 * libvirt URI can do more than name a hypervisor: the `ext` transport runs
 * the program its `command=` parameter names, on this host, as the user
 * running kiln; `socket=`, `netcat=`, `keyfile=`, `pkipath=` pick files and
 * programs; `no_verify=` and `known_hosts_verify=` switch checks off.  So a
 * document may name only:
 *
 *   embed                              kiln's embedded driver (the default)
 *   qemu:///system  qemu:///session    the local daemons
 *   qemu+ssh://[USER@]HOST[:PORT]/system|session
 *   qemu+tls://[USER@]HOST[:PORT]/system|session
 *
 * with no query parameter other than no_tty.  The command line's
 * `--connect` is the user's own choice and is not checked.
 */
#pragma once

#include <glib.h>

typedef struct {
  gsize offset;       /* byte in the URI the problem starts at */
  char *message;      /* "expected ..., found ..." */
} KilnConnectProblem;

void kiln_connect_problem_free (KilnConnectProblem *p);

/* Every reason a document may not use uri (empty when it may); "embed" is
 * always allowed. */
GPtrArray *kiln_connect_problems (const char *uri);
