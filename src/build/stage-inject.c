/* stage-inject.c - the inject stages: the guest agent and a plan written
 * into a disk offline, through one libguestfs appliance; for the test boot
 * first a throw-away overlay of the built image. */
#include "stages.h"

#include "backends/guestfs.h"
#include "backends/qemu-img.h"
#include "common/kiln-json.h"
#include "common/kiln-protocol.h"
#include "common/kiln.h"
#include "plan.h"

#include <json-glib/json-glib.h>

#include <glib/gstdio.h>
#include <string.h>

gboolean
kiln_stage_inject (KilnJobContext *ctx, const KilnMachine *m,
                   const KilnResolved *res, const char *disk,
                   const char *plan, const char *what, GError **error)
{
  g_autoptr (KilnGuest) g = kiln_stage_open_guest (ctx, m, disk, error);
  if (!g)
    return FALSE;
  /* the boot's network card decides whether the guest waits for a network */
  gboolean nic = ctx->job->network_user;
  if (!kiln_guest_install_agent (g, res->agent_path, plan, nic, error)
      || !kiln_stage_copy_in_s3 (g, res, error))
    return FALSE;
  kiln_reporter_info (ctx->r, "injected the kiln agent and the %s plan (%s; "
                      "%s)", what,
                      nic ? "network card: the agent starts when the "
                            "network is online"
                          : "no network card: no wait for a network",
                      kiln_plan_waits_for_cloud_init (plan)
                          ? "a step needs cloud-init: the agent waits for "
                            "its final stage"
                          : "no step needs cloud-init's final stage");
  return kiln_guest_close (g_steal_pointer (&g), error);
}

gboolean
kiln_stage_copy_in_s3 (KilnGuest *g, const KilnResolved *res, GError **error)
{
  if (!res->s3_staged)
    return TRUE;
  /* the folder is named "s3": it lands as KILN_S3_STAGED_DIR */
  g_autofree char *parent = g_path_get_dirname (KILN_S3_STAGED_DIR);
  return kiln_guest_copy_in (g, res->s3_staged, parent, error);
}

gboolean
kiln_stage_seed_agent (KilnJobContext *ctx, const KilnResolved *res,
                       const char *plan, KilnBootStage *b, GError **error)
{
  g_autofree char *name = g_strdup_printf ("seed-plan-%s.json", b->what);
  g_autofree char *path = kiln_workspace_path (ctx->ws, name);
  /* the plan may hold parameter values: readable by kiln only */
  if (!g_file_set_contents_full (path, plan, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;
  g_free (b->seed_agent);
  g_free (b->seed_plan);
  b->seed_agent = g_strdup (res->agent_path);
  b->seed_plan = g_steal_pointer (&path);
  kiln_reporter_info (ctx->r, "the agent and the %s plan go on the boot's "
                      "cloud-init seed (the image's cloud-init starts the "
                      "agent): no appliance launch", b->what);
  return TRUE;
}

gboolean
kiln_stage_plan_over_channel (KilnJobContext *ctx, const KilnResolved *res,
                              KilnBootStage *b, GError **error)
{
  if (!res->start_layer)
    return TRUE;
  /* S3Download's objects go in with an inject; the channel carries lines */
  if (res->s3_staged)
    {
      kiln_reporter_info (ctx->r, "the plan goes into the layer's overlay "
                          "with an appliance launch: S3Download objects go "
                          "in with it");
      return TRUE;
    }
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, res->build_plan, -1, error))
    {
      g_prefix_error (error, "the build plan: ");
      return FALSE;
    }
  JsonNode *plan = json_parser_get_root (parser);
  const char *run_id = JSON_NODE_HOLDS_OBJECT (plan)
      ? kiln_json_member_string (json_node_get_object (plan),
                                 KILN_PLAN_KEY_RUN_ID)
      : NULL;
  if (!run_id)
    {
      g_set_error (error, KILN_ERROR, KILN_ERROR_FAILED,
                   "the build plan has no %s", KILN_PLAN_KEY_RUN_ID);
      return FALSE;
    }
  g_autoptr (JsonBuilder) jb = json_builder_new ();
  json_builder_begin_object (jb);
  json_builder_set_member_name (jb, KILN_COMMAND_KEY_COMMAND);
  json_builder_add_string_value (jb, KILN_COMMAND_PLAN);
  json_builder_set_member_name (jb, KILN_COMMAND_KEY_PLAN);
  json_builder_add_value (jb, json_node_copy (plan));
  json_builder_end_object (jb);
  g_autoptr (JsonNode) line = json_builder_get_root (jb);
  /* one line: the compact form escapes every newline inside strings */
  g_autofree char *text = kiln_json_string (line, FALSE);
  if (strlen (text) >= KILN_HOST_LINE_MAX)
    {
      kiln_reporter_info (ctx->r, "the plan goes into the layer's overlay "
                          "with an appliance launch: it is longer than the "
                          "agent reads from its channel (%d bytes)",
                          KILN_HOST_LINE_MAX);
      return TRUE;
    }
  g_free (b->plan_line);
  g_free (b->run_id);
  b->plan_line = g_steal_pointer (&text);
  b->run_id = g_strdup (run_id);
  kiln_reporter_info (ctx->r, "the agent in the layer gets the build plan "
                      "over its channel when it starts: no inject launch");
  return TRUE;
}

char *
kiln_stage_test_overlay (KilnJobContext *ctx, const char *overlay,
                         GError **error)
{
  g_autofree char *test = kiln_workspace_path (ctx->ws, "test.qcow2");
  if (!kiln_qemu_img_create_overlay (overlay, "qcow2", test, 0, error))
    return NULL;
  return g_steal_pointer (&test);
}
