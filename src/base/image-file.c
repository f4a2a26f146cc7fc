/* image-file.c - which files kiln takes as disk images */
#include "image-file.h"

#include <sys/stat.h>

#include "common/kiln.h"

const char *
kiln_image_file_problem (const char *path, gboolean allow_block)
{
  struct stat st;
  if (stat (path, &st) < 0)
    return NULL;
  if (S_ISREG (st.st_mode))
    return NULL;
  if (S_ISBLK (st.st_mode))
    return allow_block ? NULL : "a block device";
  if (S_ISFIFO (st.st_mode))
    return "a FIFO (named pipe)";
  if (S_ISCHR (st.st_mode))
    return "a character device";
  if (S_ISDIR (st.st_mode))
    return "a directory";
  if (S_ISSOCK (st.st_mode))
    return "a socket";
  return "not a regular file";
}

gboolean
kiln_image_file_check (const char *path, const char *what,
                       gboolean allow_block, GError **error)
{
  const char *problem = kiln_image_file_problem (path, allow_block);
  if (!problem)
    return TRUE;
  g_set_error (error, KILN_ERROR, KILN_ERROR_INPUT, "expected %s as a "
               "regular file%s, found %s, %s", what,
               allow_block ? " or a block device" : "", path, problem);
  return FALSE;
}
