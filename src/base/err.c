/* err.c - the names of the error codes. */
#include "base/err.h"

const char *
cf_strerror(int err)
{
	switch (err) {
	case CF_OK:		return "success";
	case CF_ENOMEM:		return "out of memory";
	case CF_EIO:		return "input/output error";
	case CF_EFORMAT:	return "invalid or unsupported data";
	case CF_EKERNEL:	return "invalid kernel";
	case CF_ESHAPE:		return "shapes do not match";
	case CF_EOVERFLOW:	return "size too large";
	case CF_EINVAL:		return "invalid argument";
	case CF_ENOENT:		return "not found";
	case CF_EREAD:		return "read failed";
	case CF_EWRITE:		return "write failed";
	case CF_EMEMORY:	return "over the memory limit (--max-memory)";
	}
	return "unknown error";
}
