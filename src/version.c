#include "config.h"
#include "aelab.h"

const char *aelab_version(void)
{
    return PACKAGE_VERSION;
}
