/* mask.h - replace secret values with *** in everything the agent reports
 *
 * The plan names the secret values (KILN_PLAN_KEY_SECRETS).  Steps still
 * get the real values (commands, inputs, chained outputs inside the guest);
 * only what leaves the agent is masked: events (the port, the events file),
 * the guest log, the short lines echoed on the console.  Matching is on
 * bytes, longest secret first, so a secret that contains another one is
 * masked whole.  Step output arrives in arbitrary chunks: a mask_stream
 * keeps back the shortest tail that could still grow into a secret, so a
 * value cut by a read (or holding a line break) is masked all the same.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "json.h"
#include "strbuf.h"

#include "common/kiln-protocol.h"

#define MASK_REPLACEMENT KILN_SECRET_MASK

/* Replaces the secret list with the strings of `list` (a JSON array; other
 * members and empty strings are ignored; NULL clears it). */
void mask_set_secrets (const json *list);
bool mask_active (void);

/* Appends data[0..len) to out with every secret replaced. */
void mask_text (const char *data, size_t len, strbuf *out);
/* A masked copy of the C string s (free it). */
char *mask_string (const char *s);
/* Masks every string value in the tree in place (keys are names). */
void mask_json (json *v);

/* Masking of one output stream that arrives in chunks. */
typedef struct
{
  strbuf held;   /* bytes that may be the start of a secret */
} mask_stream;

#define MASK_STREAM_INIT { STRBUF_INIT }

/* Appends to out what can be reported now, masked. */
void mask_stream_feed (mask_stream *ms, const char *data, size_t len, strbuf *out);
/* Appends what is held (end of the stream), masked, and empties ms. */
void mask_stream_finish (mask_stream *ms, strbuf *out);
void mask_stream_free (mask_stream *ms);
