/* encoding.h - UTF-8 <-> UTF-16/UTF-32 for the file actions' `encoding`
 *
 * AWSTOE accepts utf8, utf16 and utf32 with optional -LE/-BE (case
 * insensitive, dashes optional); without a suffix UTF-16/32 mean
 * little-endian.  kiln-agent writes no byte order mark and strips one when
 * reading.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

typedef enum
{
  ENC_UTF8,
  ENC_UTF16LE,
  ENC_UTF16BE,
  ENC_UTF32LE,
  ENC_UTF32BE,
} text_encoding;

bool encoding_from_name (const char *name, text_encoding *out);
const char *encoding_name (text_encoding enc);
/* UTF-8 text -> bytes in enc (appended to out). */
bool encoding_encode (text_encoding enc, const char *utf8, size_t len, strbuf *out, char **err);
/* Bytes in enc -> UTF-8 (appended to out); a leading BOM is dropped. */
bool encoding_decode (text_encoding enc, const char *data, size_t len, strbuf *out, char **err);
/* Encoding announced by a byte order mark at the start of data (UTF-8 when
 * none); *bom_len gets the mark's length. */
text_encoding encoding_detect_bom (const char *data, size_t len, size_t *bom_len);
