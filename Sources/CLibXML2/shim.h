#ifndef SCHEDULER_PROXY_LIBXML2_SHIM_H
#define SCHEDULER_PROXY_LIBXML2_SHIM_H

// glibc's default feature set, as in the CPython shim: every C module must see
// the same system types (fd_set) as Swift's Glibc and Dispatch modules.
#include <features.h>

// Debian builds libxml2 with ICU, so <libxml/encoding.h> would pull in the
// system's <unicode/*.h>. Foundation ships its own, newer ICU headers, and a
// Swift module that imports Foundation and this one then sees two different
// UErrorCode enums and fails to build. The ICU part of libxml2's API is two
// pointer fields at the end of xmlCharEncodingHandler, which the daemon never
// reads or allocates (libxml2 owns those structs), so its declarations are
// left out here.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>

#endif
