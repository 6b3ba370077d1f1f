/* Which transport failure class (policy.h) a libcurl result code belongs to. */
#ifndef ONESIGNAL_CLASSIFY_H
#define ONESIGNAL_CLASSIFY_H

#include <curl/curl.h>

#include "policy.h"
#include "visibility.h"

OS_HIDDEN_BEGIN

/* too_large: the body writer refused bytes because of the size cap (libcurl reports a write error). */
os_error_class os_classify_curl(CURLcode code, int too_large);

OS_HIDDEN_END

#endif
