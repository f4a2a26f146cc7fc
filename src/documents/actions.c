/* actions.c - the AWSTOE action modules kiln knows (awstoe.md section 2) */
#include "actions.h"

#include <string.h>

#include "condition.h"
#include "schema.h"
#include "base/suggest.h"
#include "vars.h"

static const char *const no_outputs[] = { NULL };
static const char *const stdout_output[] = { KILN_OUTPUT_STDOUT, NULL };
static const char *const algorithms[] = {
  "MD5", "SHA1", "SHA256", "SHA512", NULL
};

#define END { NULL, 0, FALSE, NULL, NULL, FALSE }
#define STR(n) { n, KILN_INPUT_STRING, FALSE, NULL, NULL, FALSE }
#define STR_REQ(n) { n, KILN_INPUT_STRING, TRUE, NULL, NULL, FALSE }
#define BOOL(n, d) { n, KILN_INPUT_BOOLEAN, FALSE, d, NULL, FALSE }

static const KilnActionInput execute_bash_inputs[] = {
  { "commands", KILN_INPUT_STRING_LIST, TRUE, NULL, NULL, FALSE },
  END
};
static const KilnActionInput execute_binary_inputs[] = {
  STR_REQ ("path"),
  { "arguments", KILN_INPUT_STRING_LIST, FALSE, NULL, NULL, FALSE },
  END
};
static const KilnActionInput execute_document_inputs[] = {
  { "document", KILN_INPUT_DOCUMENT, TRUE, NULL, NULL, FALSE },
  STR ("document-s3-bucket-owner"),
  { "phases", KILN_INPUT_PHASE_LIST, FALSE, NULL, NULL, FALSE },
  { "parameters", KILN_INPUT_NAME_VALUE_LIST, FALSE, NULL, NULL, FALSE },
  END
};
static const char *const execute_document_outputs[] = {
  KILN_OUTPUT_EXECUTED_STEP_COUNT, KILN_OUTPUT_EXECUTION_ID,
  KILN_OUTPUT_FAILED_STEP_COUNT, KILN_OUTPUT_FAILURE_MESSAGE,
  KILN_OUTPUT_IGNORED_FAILED_STEP_COUNT, KILN_OUTPUT_LOG_URL,
  KILN_OUTPUT_STATUS, NULL
};
static const KilnActionInput no_inputs[] = { END };
static const KilnActionInput reboot_inputs[] = {
  { "delaySeconds", KILN_INPUT_INTEGER, FALSE, "0", NULL, FALSE },
  END
};
static const KilnActionInput update_os_inputs[] = {
  { "include", KILN_INPUT_STRING_LIST, FALSE, NULL, NULL, FALSE },
  { "exclude", KILN_INPUT_STRING_LIST, FALSE, NULL, NULL, FALSE },
  END
};
static const KilnActionInput s3_download_inputs[] = {
  { "source", KILN_INPUT_S3_URI, TRUE, NULL, NULL, FALSE },
  STR_REQ ("destination"),
  STR ("expectedBucketOwner"),
  BOOL ("overwrite", "true"),
  END
};
static const KilnActionInput s3_upload_inputs[] = {
  STR_REQ ("source"),
  { "destination", KILN_INPUT_S3_URI, TRUE, NULL, NULL, FALSE },
  BOOL ("recurse", "false"),
  STR ("expectedBucketOwner"),
  END
};
static const KilnActionInput web_download_inputs[] = {
  { "source", KILN_INPUT_HTTP_URL, TRUE, NULL, NULL, FALSE },
  STR_REQ ("destination"),
  BOOL ("overwrite", "true"),
  STR ("checksum"),
  { "algorithm", KILN_INPUT_CHOICE, FALSE, NULL, algorithms, FALSE },
  BOOL ("ignoreCertificateErrors", "false"),
  END
};
static const char *const web_download_outputs[] = {
  KILN_OUTPUT_DESTINATION, NULL
};
static const KilnActionInput append_file_inputs[] = {
  STR_REQ ("path"),
  { "content", KILN_INPUT_STRING, FALSE, "", NULL, FALSE },
  { "encoding", KILN_INPUT_ENCODING, FALSE, "utf8", NULL, FALSE },
  END
};
static const KilnActionInput copy_move_inputs[] = {
  STR_REQ ("source"),
  STR_REQ ("destination"),
  BOOL ("overwrite", "true"),
  END
};
static const KilnActionInput create_file_inputs[] = {
  STR_REQ ("path"),
  { "content", KILN_INPUT_STRING, FALSE, "", NULL, FALSE },
  { "encoding", KILN_INPUT_ENCODING, FALSE, "utf8", NULL, FALSE },
  STR ("owner"),
  STR ("group"),
  { "permissions", KILN_INPUT_PERMISSIONS, FALSE, NULL, NULL, FALSE },
  BOOL ("overwrite", "true"),
  END
};
static const KilnActionInput create_folder_inputs[] = {
  STR_REQ ("path"),
  STR ("owner"),
  STR ("group"),
  { "permissions", KILN_INPUT_PERMISSIONS, FALSE, "0777", NULL, FALSE },
  BOOL ("overwrite", "true"),
  END
};
static const KilnActionInput create_symlink_inputs[] = {
  STR_REQ ("path"),
  STR_REQ ("target"),
  BOOL ("force", "false"),
  END
};
static const KilnActionInput delete_file_inputs[] = {
  STR_REQ ("path"),
  /* not in the AWS docs, used by real documents */
  { "force", KILN_INPUT_BOOLEAN, FALSE, "false", NULL, TRUE },
  END
};
static const KilnActionInput delete_folder_inputs[] = {
  STR_REQ ("path"),
  BOOL ("force", "false"),
  END
};
static const KilnActionInput list_files_inputs[] = {
  STR_REQ ("path"),
  STR ("fileNamePattern"),
  BOOL ("recursive", "false"),
  END
};
static const char *const list_files_outputs[] = { KILN_OUTPUT_FILES, NULL };
static const KilnActionInput read_file_inputs[] = {
  STR_REQ ("path"),
  { "encoding", KILN_INPUT_ENCODING, FALSE, "utf8", NULL, FALSE },
  BOOL ("printFileContent", "false"),
  END
};
static const char *const read_file_outputs[] = {
  KILN_OUTPUT_CONTENT, NULL
};
static const KilnActionInput set_file_encoding_inputs[] = {
  STR_REQ ("path"),
  { "encoding", KILN_INPUT_ENCODING, FALSE, "utf8", NULL, FALSE },
  END
};
static const KilnActionInput set_file_owner_inputs[] = {
  STR_REQ ("path"),
  STR_REQ ("owner"),
  STR ("group"),
  END
};
static const KilnActionInput set_folder_owner_inputs[] = {
  STR_REQ ("path"),
  STR_REQ ("owner"),
  STR ("group"),
  BOOL ("recursive", "true"),
  END
};
static const KilnActionInput set_file_permissions_inputs[] = {
  STR_REQ ("path"),
  { "permissions", KILN_INPUT_PERMISSIONS, TRUE, NULL, NULL, FALSE },
  END
};
static const KilnActionInput set_folder_permissions_inputs[] = {
  STR_REQ ("path"),
  { "permissions", KILN_INPUT_PERMISSIONS, TRUE, NULL, NULL, FALSE },
  BOOL ("recursive", "true"),
  END
};

#define WINDOWS_ONLY \
  "it is a Windows-only action; kiln builds Linux images (use ExecuteBash " \
  "or ExecuteBinary)"

/* One entry an action of common/kiln-protocol.h, indexed by its id: the
 * protocol header owns the name and where it runs; this table owns how
 * kiln checks the inputs. */
#define ACTION(id, ...) [KILN_ACTION_##id] = { KILN_ACTION_##id, __VA_ARGS__ }

static const KilnAction actions[KILN_ACTION_COUNT] = {
  ACTION (EXECUTE_BASH, KILN_INPUTS_MAP, TRUE, execute_bash_inputs,
          stdout_output, NULL),
  ACTION (EXECUTE_BINARY, KILN_INPUTS_MAP, TRUE, execute_binary_inputs,
          stdout_output, NULL),
  ACTION (EXECUTE_DOCUMENT, KILN_INPUTS_MAP, TRUE, execute_document_inputs,
          execute_document_outputs, NULL),
  ACTION (ASSERT, KILN_INPUTS_CONDITION, TRUE, no_inputs, no_outputs, NULL),
  ACTION (REBOOT, KILN_INPUTS_MAP, FALSE, reboot_inputs, no_outputs, NULL),
  ACTION (UPDATE_OS, KILN_INPUTS_MAP, FALSE, update_os_inputs,
          no_outputs, NULL),
  ACTION (S3_DOWNLOAD, KILN_INPUTS_LIST, TRUE, s3_download_inputs,
          no_outputs, NULL),
  ACTION (S3_UPLOAD, KILN_INPUTS_LIST, TRUE, s3_upload_inputs,
          no_outputs, NULL),
  ACTION (WEB_DOWNLOAD, KILN_INPUTS_LIST, TRUE, web_download_inputs,
          web_download_outputs, NULL),
  ACTION (APPEND_FILE, KILN_INPUTS_LIST, TRUE, append_file_inputs,
          no_outputs, NULL),
  ACTION (COPY_FILE, KILN_INPUTS_LIST, TRUE, copy_move_inputs,
          no_outputs, NULL),
  ACTION (COPY_FOLDER, KILN_INPUTS_LIST, TRUE, copy_move_inputs,
          no_outputs, NULL),
  ACTION (MOVE_FILE, KILN_INPUTS_LIST, TRUE, copy_move_inputs,
          no_outputs, NULL),
  ACTION (MOVE_FOLDER, KILN_INPUTS_LIST, TRUE, copy_move_inputs,
          no_outputs, NULL),
  ACTION (CREATE_FILE, KILN_INPUTS_LIST, TRUE, create_file_inputs,
          no_outputs, NULL),
  ACTION (CREATE_FOLDER, KILN_INPUTS_LIST, TRUE, create_folder_inputs,
          no_outputs, NULL),
  ACTION (CREATE_SYMLINK, KILN_INPUTS_LIST, TRUE, create_symlink_inputs,
          no_outputs, NULL),
  ACTION (DELETE_FILE, KILN_INPUTS_LIST, TRUE, delete_file_inputs,
          no_outputs, NULL),
  ACTION (DELETE_FOLDER, KILN_INPUTS_LIST, TRUE, delete_folder_inputs,
          no_outputs, NULL),
  ACTION (LIST_FILES, KILN_INPUTS_LIST, TRUE, list_files_inputs,
          list_files_outputs, NULL),
  ACTION (READ_FILE, KILN_INPUTS_LIST, TRUE, read_file_inputs,
          read_file_outputs, NULL),
  ACTION (SET_FILE_ENCODING, KILN_INPUTS_LIST, TRUE, set_file_encoding_inputs,
          no_outputs, NULL),
  ACTION (SET_FILE_OWNER, KILN_INPUTS_LIST, TRUE, set_file_owner_inputs,
          no_outputs, NULL),
  ACTION (SET_FOLDER_OWNER, KILN_INPUTS_LIST, TRUE, set_folder_owner_inputs,
          no_outputs, NULL),
  ACTION (SET_FILE_PERMISSIONS, KILN_INPUTS_LIST, TRUE,
          set_file_permissions_inputs, no_outputs, NULL),
  ACTION (SET_FOLDER_PERMISSIONS, KILN_INPUTS_LIST, TRUE,
          set_folder_permissions_inputs, no_outputs, NULL),
  /* Windows only: rejected by name */
  ACTION (EXECUTE_POWERSHELL, KILN_INPUTS_MAP, FALSE, no_inputs,
          stdout_output, WINDOWS_ONLY),
  ACTION (INSTALL_MSI, KILN_INPUTS_MAP, FALSE, no_inputs,
          no_outputs, WINDOWS_ONLY),
  ACTION (UNINSTALL_MSI, KILN_INPUTS_MAP, FALSE, no_inputs,
          no_outputs, WINDOWS_ONLY),
  ACTION (SET_REGISTRY, KILN_INPUTS_LIST, FALSE, no_inputs,
          no_outputs, WINDOWS_ONLY),
};
#undef ACTION

const KilnAction *
kiln_action_lookup (const char *name)
{
  int id = kiln_protocol_action_find (name);
  return id < 0 ? NULL : &actions[id];
}

const char *
kiln_action_name (const KilnAction *a)
{
  return kiln_protocol_action_name (a->id);
}

KilnActionWhere
kiln_action_where (const KilnAction *a)
{
  return kiln_protocol_action_where (a->id);
}

const char *const *
kiln_action_names (gboolean supported_only)
{
  static const char *all[KILN_ACTION_COUNT + 1];
  static const char *supported[KILN_ACTION_COUNT + 1];
  static gsize once = 0;
  if (g_once_init_enter (&once))
    {
      guint n = 0;
      for (guint i = 0; i < KILN_ACTION_COUNT; i++)
        {
          all[i] = kiln_action_name (&actions[i]);
          if (!actions[i].rejected)
            supported[n++] = all[i];
        }
      g_once_init_leave (&once, 1);
    }
  return supported_only ? supported : all;
}

const KilnActionInput *
kiln_action_find_input (const KilnAction *a, const char *name)
{
  for (const KilnActionInput *in = a->inputs; in && in->name; in++)
    if (strcmp (in->name, name) == 0)
      return in;
  return NULL;
}

GPtrArray *
kiln_action_input_names (const KilnAction *a)
{
  GPtrArray *names = g_ptr_array_new ();
  for (const KilnActionInput *in = a->inputs; in && in->name; in++)
    g_ptr_array_add (names, (gpointer) in->name);
  g_ptr_array_add (names, NULL);
  return names;
}

gboolean
kiln_action_has_output (const KilnAction *a, const char *name)
{
  return a->outputs && g_strv_contains (a->outputs, name);
}

gboolean
kiln_permissions_parse (const char *s, guint *mode)
{
  gsize n = s ? strlen (s) : 0;
  if (n < 3 || n > 4)
    return FALSE;
  guint m = 0;
  for (gsize i = 0; i < n; i++)
    {
      if (s[i] < '0' || s[i] > '7')
        return FALSE;
      m = m * 8 + (guint) (s[i] - '0');
    }
  if (mode)
    *mode = m;
  return TRUE;
}

gboolean
kiln_encoding_is_valid (const char *s)
{
  static const char *const bases[] = {
    "utf8", "utf-8", "utf16", "utf-16", "utf32", "utf-32", NULL
  };
  if (!s)
    return FALSE;
  g_autofree char *low = g_ascii_strdown (s, -1);
  for (guint i = 0; bases[i]; i++)
    {
      gsize n = strlen (bases[i]);
      if (strncmp (low, bases[i], n) != 0)
        continue;
      const char *rest = low + n;
      if (!*rest || strcmp (rest, "-le") == 0 || strcmp (rest, "-be") == 0)
        return TRUE;
    }
  return FALSE;
}

/* ---- checking inputs --------------------------------------------------- */

typedef struct {
  const KilnAction *a;
  GHashTable *values;
  KilnDiags *diags;
  gboolean ok;
} Inputs;

static void in_error (Inputs *in, const KilnNode *at, const char *fmt, ...)
  G_GNUC_PRINTF (3, 4);

static void
in_error (Inputs *in, const KilnNode *at, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  kiln_diags_addv (in->diags, KILN_DIAG_ERROR, at ? at->file : NULL,
                   at ? at->line : 0, at ? at->col : 0, fmt, ap);
  va_end (ap);
  in->ok = FALSE;
}

/* The largest value an integer input takes (the only one today is the
 * Reboot action's delaySeconds). */
static gint64
integer_input_max (const char *key)
{
  if (strcmp (key, "delaySeconds") == 0)
    return KILN_REBOOT_MAX_DELAY_SECONDS;
  return G_MAXINT32;
}

/* The scalar's text once parameters are filled in; NULL when it depends on
 * run time (then it cannot be checked now). */
static char *
static_value (Inputs *in, const KilnNode *n)
{
  return kiln_vars_resolve_static (n->scalar, in->values);
}

static gboolean
expect_scalar (Inputs *in, const KilnNode *v, const char *key,
               const char *what, const char *expected)
{
  if (kiln_node_is_scalar (v))
    return TRUE;
  in_error (in, v, "expected %s for '%s' in %s, found %s", expected, key,
            what, kiln_node_describe (v));
  return FALSE;
}

static gboolean
is_hex (const char *s)
{
  for (; *s; s++)
    if (!g_ascii_isxdigit (*s))
      return FALSE;
  return TRUE;
}

static void
check_document (Inputs *in, const KilnNode *v, const char *text)
{
  g_autofree char *q = kiln_quote_for_message (text);
  if (g_ascii_strncasecmp (text, "s3://", 5) == 0)
    {
      /* fetched and validated when a build compiles its plan */
      const char *slash = strchr (text + 5, '/');
      if (slash == text + 5 || !slash || !slash[1])
        in_error (in, v, "expected an s3://bucket/key URI for 'document' of "
                  "ExecuteDocument, found %s", q);
    }
  else if (g_str_has_prefix (text, "arn:"))
    in_error (in, v, "ExecuteDocument with the component ARN %s cannot run "
              "in kiln: ARNs name components stored in the Image Builder "
              "service; give the path of a local component document", q);
  else if (!*text)
    in_error (in, v, "expected the path of a component document for "
              "'document' of ExecuteDocument, found an empty string");
}

static void
check_phase_list (Inputs *in, const KilnNode *v, const char *text,
                  const char *what)
{
  /* any phase names (AWSTOE's rule); the child document must have them,
   * which component.c checks once it has loaded the child */
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; parts[i]; i++)
    {
      g_strstrip (parts[i]);
      if (!*parts[i])
        {
          g_autofree char *q = kiln_quote_for_message (text);
          in_error (in, v, "expected comma-separated phase names for "
                    "'phases' in %s, found an empty name in %s", what, q);
          return;
        }
      if (!g_hash_table_add (seen, parts[i]))
        {
          in_error (in, v, "phase '%s' is listed twice in 'phases' of %s",
                    parts[i], what);
          return;
        }
    }
}

static void
check_name_value_list (Inputs *in, const KilnNode *v, const char *key,
                       const char *what)
{
  static const char *const keys[] = { "name", "value", NULL };
  if (!kiln_node_is_seq (v))
    {
      in_error (in, v, "expected a list of {name, value} entries for '%s' in "
                "%s, found %s", key, what, kiln_node_describe (v));
      return;
    }
  for (guint i = 0; i < kiln_node_seq_size (v); i++)
    {
      const KilnNode *e = kiln_node_seq_get (v, i);
      g_autofree char *ew = g_strdup_printf ("%s[%u] in %s", key, i, what);
      if (!kiln_schema_expect_map (in->diags, e, ew))
        {
          in->ok = FALSE;
          continue;
        }
      if (!kiln_schema_check_keys (in->diags, e, ew, keys))
        in->ok = FALSE;
      for (guint k = 0; keys[k]; k++)
        {
          const KilnNode *f = kiln_schema_require (in->diags, e, keys[k], ew);
          if (!f)
            in->ok = FALSE;
          else if (!kiln_node_is_scalar (f))
            in_error (in, f, "expected a string for '%s' in %s, found %s",
                      keys[k], ew, kiln_node_describe (f));
        }
    }
}

static void
check_value (Inputs *in, const KilnActionInput *spec, const KilnNode *v,
             const char *what)
{
  const char *key = spec->name;

  if (spec->type == KILN_INPUT_STRING_LIST)
    {
      if (!kiln_node_is_seq (v))
        {
          in_error (in, v, "expected a list of strings for '%s' in %s, found "
                    "%s", key, what, kiln_node_describe (v));
          return;
        }
      if (spec->required && kiln_node_seq_size (v) == 0)
        in_error (in, v, "expected at least one entry in '%s' of %s, found "
                  "an empty list", key, what);
      for (guint i = 0; i < kiln_node_seq_size (v); i++)
        {
          const KilnNode *e = kiln_node_seq_get (v, i);
          if (!kiln_node_is_scalar (e) || kiln_node_is_null (e))
            in_error (in, e, "expected a string as entry %u of '%s' in %s, "
                      "found %s", i, key, what, kiln_node_describe (e));
        }
      return;
    }
  if (spec->type == KILN_INPUT_NAME_VALUE_LIST)
    {
      check_name_value_list (in, v, key, what);
      return;
    }

  /* everything else is one scalar */
  if (kiln_node_is_null (v))
    {
      if (spec->required)
        in_error (in, v, "expected a value for required key '%s' in %s, "
                  "found nothing", key, what);
      return;
    }
  if (!expect_scalar (in, v, key, what, spec->type == KILN_INPUT_INTEGER
                      ? "an integer" : spec->type == KILN_INPUT_BOOLEAN
                      ? "true or false" : "a string"))
    return;
  g_autofree char *text = static_value (in, v);
  if (!text)
    return;   /* decided at run time */
  g_autofree char *q = kiln_quote_for_message (text);

  switch (spec->type)
    {
    case KILN_INPUT_STRING:
      if (spec->required && !*text)
        in_error (in, v, "expected a non-empty string for '%s' in %s, found "
                  "an empty string", key, what);
      break;
    case KILN_INPUT_INTEGER:
      {
        gint64 n, max = integer_input_max (key);
        if (kiln_node_is_string_tagged (v))
          in_error (in, v, "expected a whole number for '%s' in %s, found "
                    "the string %s (tagged !!str)", key, what, q);
        else if (!kiln_parse_int (text, &n) || n < 0 || n > max)
          in_error (in, v, "expected a whole number from 0 to %" G_GINT64_FORMAT
                    " for '%s' in %s, found %s", max, key, what, q);
      }
      break;
    case KILN_INPUT_BOOLEAN:
      {
        gboolean b;
        if (kiln_node_is_string_tagged (v))
          in_error (in, v, "expected true or false for '%s' in %s, found "
                    "the string %s (tagged !!str)", key, what, q);
        else if (!kiln_parse_bool (text, &b))
          in_error (in, v, "expected true or false for '%s' in %s, found %s",
                    key, what, q);
      }
      break;
    case KILN_INPUT_PERMISSIONS:
      if (!kiln_permissions_parse (text, NULL))
        in_error (in, v, "expected octal permissions like '0755' for '%s' in "
                  "%s, found %s", key, what, q);
      break;
    case KILN_INPUT_ENCODING:
      if (!kiln_encoding_is_valid (text))
        in_error (in, v, "expected an encoding (utf8, utf16, utf32, "
                  "optionally with -LE or -BE) for '%s' in %s, found %s", key,
                  what, q);
      break;
    case KILN_INPUT_CHOICE:
      {
        gboolean found = FALSE;
        for (guint i = 0; spec->allowed[i]; i++)
          found |= g_ascii_strcasecmp (text, spec->allowed[i]) == 0;
        if (!found)
          {
            g_autofree char *list = g_strjoinv (", ", (char **) spec->allowed);
            g_autofree char *hint = kiln_suggest_suffix (text, spec->allowed);
            in_error (in, v, "expected one of %s for '%s' in %s, found %s%s",
                      list, key, what, q, hint);
          }
      }
      break;
    case KILN_INPUT_HTTP_URL:
      if (!((g_ascii_strncasecmp (text, "http://", 7) == 0 && text[7])
            || (g_ascii_strncasecmp (text, "https://", 8) == 0 && text[8])))
        in_error (in, v, "expected an http:// or https:// URL for '%s' in %s, "
                  "found %s", key, what, q);
      break;
    case KILN_INPUT_S3_URI:
      if (!(g_ascii_strncasecmp (text, "s3://", 5) == 0 && text[5]
            && text[5] != '/'))
        in_error (in, v, "expected an s3://bucket/key URI for '%s' in %s, "
                  "found %s", key, what, q);
      break;
    case KILN_INPUT_PHASE_LIST:
      check_phase_list (in, v, text, what);
      break;
    case KILN_INPUT_DOCUMENT:
      check_document (in, v, text);
      break;
    case KILN_INPUT_STRING_LIST:
    case KILN_INPUT_NAME_VALUE_LIST:
      break;
    }
}

/* WebDownload: checksum and algorithm go together and must agree. */
static void
check_checksum (Inputs *in, const KilnNode *entry, const char *what)
{
  const KilnNode *sum = kiln_node_map_get (entry, "checksum");
  const KilnNode *alg = kiln_node_map_get (entry, "algorithm");
  if (sum && !kiln_node_is_null (sum) && (!alg || kiln_node_is_null (alg)))
    {
      in_error (in, sum, "'checksum' in %s needs 'algorithm' (MD5, SHA1, "
                "SHA256 or SHA512) beside it", what);
      return;
    }
  if (alg && !kiln_node_is_null (alg) && (!sum || kiln_node_is_null (sum)))
    {
      kiln_diags_add (in->diags, KILN_DIAG_WARNING, alg->file, alg->line,
                      alg->col, "'algorithm' in %s has no 'checksum' to "
                      "verify; it is ignored", what);
      return;
    }
  if (!kiln_node_is_scalar (sum) || !kiln_node_is_scalar (alg))
    return;
  g_autofree char *s = static_value (in, sum);
  g_autofree char *a = static_value (in, alg);
  if (!s || !a)
    return;
  static const struct { const char *alg; gsize len; } lens[] = {
    { "MD5", 32 }, { "SHA1", 40 }, { "SHA256", 64 }, { "SHA512", 128 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (lens); i++)
    if (g_ascii_strcasecmp (a, lens[i].alg) == 0
        && (strlen (s) != lens[i].len || !is_hex (s)))
      {
        g_autofree char *q = kiln_quote_for_message (s);
        in_error (in, sum, "expected %" G_GSIZE_FORMAT " hexadecimal digits "
                  "for a %s 'checksum' in %s, found %s", lens[i].len,
                  lens[i].alg, what, q);
      }
}

static void
check_entry (Inputs *in, const KilnNode *map, const char *what)
{
  g_autoptr (GPtrArray) names = kiln_action_input_names (in->a);
  if (!kiln_schema_check_keys (in->diags, map, what,
                               (const char *const *) names->pdata))
    in->ok = FALSE;
  for (const KilnActionInput *spec = in->a->inputs; spec->name; spec++)
    {
      const KilnNode *v = kiln_node_map_get (map, spec->name);
      if (!v)
        {
          if (spec->required)
            {
              kiln_schema_error (in->diags, map, "missing required key '%s' "
                                 "in %s", spec->name, what);
              in->ok = FALSE;
            }
          continue;
        }
      check_value (in, spec, v, what);
    }
  if (in->a->id == KILN_ACTION_WEB_DOWNLOAD)
    check_checksum (in, map, what);
}

gboolean
kiln_action_check_inputs (const KilnAction *a, const KilnNode *inputs,
                          const KilnNode *step, const char *what,
                          GHashTable *values, KilnDiags *diags)
{
  Inputs in = { .a = a, .values = values, .diags = diags, .ok = TRUE };
  g_autofree char *iwhat = g_strdup_printf ("the inputs of %s (%s)", what,
                                            kiln_action_name (a));

  if (!inputs || kiln_node_is_null (inputs))
    {
      if (!a->inputs_required)
        return TRUE;
      if (inputs)
        in_error (&in, inputs, "expected %s for 'inputs' of %s (%s), found "
                  "nothing", a->shape == KILN_INPUTS_LIST
                  ? "a list of entries" : "a mapping", what,
                  kiln_action_name (a));
      else
        in_error (&in, step, "missing required key 'inputs' in %s (%s needs "
                  "%s)", what, kiln_action_name (a),
                  a->shape == KILN_INPUTS_CONDITION
                  ? "a condition" : a->inputs[0].name
                  ? a->inputs[0].name : "inputs");
      return FALSE;
    }

  switch (a->shape)
    {
    case KILN_INPUTS_CONDITION:
      return kiln_condition_check (inputs, FALSE, iwhat, values, diags);
    case KILN_INPUTS_MAP:
      if (!kiln_node_is_map (inputs))
        {
          in_error (&in, inputs, "expected a mapping for %s, found %s%s",
                    iwhat, kiln_node_describe (inputs),
                    kiln_node_is_seq (inputs)
                    ? " (only file and transfer actions take a list)" : "");
          return FALSE;
        }
      check_entry (&in, inputs, iwhat);
      return in.ok;
    case KILN_INPUTS_LIST:
      if (!kiln_node_is_seq (inputs))
        {
          in_error (&in, inputs, "expected a list of entries for %s, found %s",
                    iwhat, kiln_node_describe (inputs));
          return FALSE;
        }
      if (kiln_node_seq_size (inputs) == 0)
        {
          in_error (&in, inputs, "expected at least one entry in %s, found an "
                    "empty list", iwhat);
          return FALSE;
        }
      guint start = kiln_diags_count (diags);
      /* hostile input: past a few hundred problems, stop looking */
      for (guint i = 0; i < kiln_node_seq_size (inputs)
                        && kiln_diags_count (diags) - start < 500; i++)
        {
          const KilnNode *e = kiln_node_seq_get (inputs, i);
          g_autofree char *ew = g_strdup_printf ("inputs[%u] of %s (%s)", i,
                                                 what, kiln_action_name (a));
          if (!kiln_node_is_map (e))
            {
              in_error (&in, e, "expected a mapping for %s, found %s", ew,
                        kiln_node_describe (e));
              continue;
            }
          check_entry (&in, e, ew);
        }
      return in.ok;
    }
  return in.ok;
}
