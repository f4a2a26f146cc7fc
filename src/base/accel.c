/* accel.c - names of the accelerator choices */
#include "accel.h"

const char *
kiln_accel_name (KilnAccel accel)
{
  switch (accel)
    {
    case KILN_ACCEL_KVM:
      return "kvm";
    case KILN_ACCEL_TCG:
      return "tcg";
    case KILN_ACCEL_AUTO:
    default:
      return "auto";
    }
}
