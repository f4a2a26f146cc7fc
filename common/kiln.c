/* kiln.c - shared error domain */
#include "kiln.h"

#include <sys/stat.h>

G_DEFINE_QUARK (kiln-error-quark, kiln_error)

int
kiln_exit_code_for_error (const GError *error)
{
  if (!error)
    return KILN_EXIT_OK;
  if (error->domain == KILN_ERROR)
    switch ((KilnErrorCode) error->code)
      {
      case KILN_ERROR_INPUT:
        return KILN_EXIT_BAD_INPUT;
      case KILN_ERROR_HOST:
        return KILN_EXIT_HOST;
      default:
        return KILN_EXIT_FAILED;
      }
  return KILN_EXIT_FAILED;
}

static mode_t user_umask;
static gboolean umask_set;

void
kiln_umask_init (void)
{
  user_umask = umask (077);
  umask_set = TRUE;
}

mode_t
kiln_user_umask (void)
{
  if (!umask_set)
    {
      /* not kiln itself (a unit test): the process's umask is the user's */
      mode_t m = umask (077);
      umask (m);
      return m;
    }
  return user_umask;
}
