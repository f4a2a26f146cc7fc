/* hash.h - MD5, SHA-1, SHA-256 and SHA-512 for file checksums
 *
 * Written for kiln-agent from the published algorithm descriptions
 * (RFC 1321, FIPS 180-4); round constants were computed from their
 * definitions (sines, square and cube roots of primes).  They serve
 * WebDownload's checksum and the fileXXXEquals operators, nothing secret.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum
{
  HASH_MD5,
  HASH_SHA1,
  HASH_SHA256,
  HASH_SHA512,
} hash_alg;

#define HASH_MAX_DIGEST 64

typedef struct
{
  hash_alg alg;
  uint64_t total;            /* bytes hashed so far (low 64 bits) */
  size_t buffered;
  unsigned char block[128];
  union
  {
    uint32_t h32[8];
    uint64_t h64[8];
  } s;
} hash_ctx;

/* "MD5", "SHA1", "SHA-1", "sha256", ... (case-insensitive). */
bool hash_alg_from_name (const char *name, hash_alg *out);
const char *hash_alg_name (hash_alg alg);
size_t hash_digest_len (hash_alg alg);

void hash_init (hash_ctx *c, hash_alg alg);
void hash_update (hash_ctx *c, const void *data, size_t len);
void hash_final (hash_ctx *c, unsigned char *digest);

/* Lower-case hex digest (malloc'd). */
char *hash_hex (hash_alg alg, const void *data, size_t len);
/* Hex digest of a file's content, NULL + *err on failure. */
char *hash_file_hex (const char *path, hash_alg alg, char **err);
