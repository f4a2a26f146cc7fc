/* kiln.c - shared error domain */
#include "kiln.h"

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
