/* curl-setup.h - what every request kiln makes over libcurl shares
 *
 * http:// and https:// only, no redirect followed (a webhook or a store
 * that answers with one has said something kiln should report, not
 * follow), and no signals (kiln is threaded: its signal thread owns them).
 */
#pragma once

#include <curl/curl.h>

void kiln_curl_setup (CURL *curl, const char *url);
