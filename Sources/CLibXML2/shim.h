#ifndef SCHEDULER_PROXY_LIBXML2_SHIM_H
#define SCHEDULER_PROXY_LIBXML2_SHIM_H

// glibc's default feature set, as in the CPython shim: every C module must see
// the same system types (fd_set) as Swift's Glibc and Dispatch modules.
#include <features.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>

#endif
