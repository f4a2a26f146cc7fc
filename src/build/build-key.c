/* build-key.c - the build key and the layer keys (job.h, docs/layers.md)
 *
 * Both are HMAC-SHA256 keyed with $KILN_HOME's secret
 * (store/build-secret.h): they are shown in the catalog, the log and the
 * manifest, and must say nothing about the parameters' values, secret ones
 * included. */
#include "job.h"

#include <gio/gio.h>
#include <string.h>

static char *
agent_digest (const char *agent_path, GError **error)
{
  g_autoptr (GFile) agent = g_file_new_for_path (agent_path);
  g_autofree char *bytes = NULL;
  gsize len = 0;
  if (!g_file_load_contents (agent, NULL, &bytes, &len, NULL, error))
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *) bytes,
                                      len);
}

static GHmac *
hmac_new (GBytes *secret)
{
  gsize secret_len = 0;
  const guchar *secret_bytes = g_bytes_get_data (secret, &secret_len);
  return g_hmac_new (G_CHECKSUM_SHA256, secret_bytes, secret_len);
}

/* One component: its text and bound parameters, sorted by name. */
static void
hmac_component (GHmac *sum, const KilnPlanComponent *pc)
{
  const KilnDoc *doc = pc->component->doc;
  g_autofree char *text_digest = g_compute_checksum_for_data (
      G_CHECKSUM_SHA256, (guchar *) doc->text, doc->text_len);
  /* offline is in the key only when set: the keys of booted builds stay
   * what they were */
  g_autofree char *head = g_strdup_printf ("component %s %s%s\n", pc->ref,
                                           text_digest,
                                           pc->offline ? " offline" : "");
  g_hmac_update (sum, (guchar *) head, -1);
  if (!pc->params)
    return;
  g_autoptr (GList) keys = g_hash_table_get_keys (pc->params);
  keys = g_list_sort (keys, (GCompareFunc) strcmp);
  for (GList *l = keys; l; l = l->next)
    {
      g_autofree char *kv = g_strdup_printf (
          "param %s=%s\n", (char *) l->data,
          (char *) g_hash_table_lookup (pc->params, l->data));
      g_hmac_update (sum, (guchar *) kv, -1);
    }
}

char *
kiln_build_key (GBytes *secret, const char *parent_digest,
                guint64 disk_size, GPtrArray *components,
                const char *agent_path, GError **error)
{
  g_autofree char *agent = agent_digest (agent_path, error);
  if (!agent)
    return NULL;
  g_autoptr (GHmac) sum = hmac_new (secret);
  g_hmac_update (sum, (guchar *) "kiln-build-key-2\n", -1);
  g_hmac_update (sum, (guchar *) parent_digest, -1);
  g_hmac_update (sum, (guchar *) "\n", 1);
  for (guint i = 0; i < components->len; i++)
    hmac_component (sum, components->pdata[i]);
  g_autofree char *tail = g_strdup_printf ("agent %s\n", agent);
  g_hmac_update (sum, (guchar *) tail, -1);
  /* the recipe's disk: size makes another image; in the key only when
   * set, so that the keys of recipes without one stay what they were */
  if (disk_size)
    {
      g_autofree char *disk = g_strdup_printf ("disk %" G_GUINT64_FORMAT
                                               "\n", disk_size);
      g_hmac_update (sum, (guchar *) disk, -1);
    }
  return g_strdup (g_hmac_get_string (sum));
}

GPtrArray *
kiln_build_prefix_keys (GBytes *secret, const char *parent_digest,
                        guint64 disk_size, gboolean network_user,
                        GPtrArray *components, const char *agent_path,
                        GError **error)
{
  g_autofree char *agent = agent_digest (agent_path, error);
  if (!agent)
    return NULL;
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHmac) sum = hmac_new (secret);
  g_hmac_update (sum, (guchar *) "kiln-layer-key-2\n", -1);
  g_hmac_update (sum, (guchar *) parent_digest, -1);
  g_hmac_update (sum, (guchar *) "\n", 1);
  /* the disk's size is in a layer (a layer of another size is another
   * disk; 0: the parent's), and the boot's network card: the agent's
   * start-up in the layer waits for a network or not, and a build starting
   * from a layer boots it as it is (docs/layers.md) */
  g_autofree char *agent_line = g_strdup_printf ("agent %s\ndisk %"
                                                 G_GUINT64_FORMAT "\n"
                                                 "network %s\n", agent,
                                                 disk_size, network_user
                                                 ? "user" : "none");
  g_hmac_update (sum, (guchar *) agent_line, -1);
  for (guint i = 0; i < components->len; i++)
    {
      hmac_component (sum, components->pdata[i]);
      /* the key after i + 1 components: the running sum, closed with the
       * count (a copy: the sum goes on) */
      g_autoptr (GHmac) at = g_hmac_copy (sum);
      g_autofree char *count = g_strdup_printf ("components %u\n", i + 1);
      g_hmac_update (at, (guchar *) count, -1);
      g_ptr_array_add (keys, g_strdup (g_hmac_get_string (at)));
    }
  return g_steal_pointer (&keys);
}
