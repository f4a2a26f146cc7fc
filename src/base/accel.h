/* accel.h - the accelerator choice, shared by recipes and the libvirt backend */
#pragma once

typedef enum {
  KILN_ACCEL_AUTO,
  KILN_ACCEL_KVM,
  KILN_ACCEL_TCG,
} KilnAccel;

/* "auto", "kvm", "tcg" */
const char *kiln_accel_name (KilnAccel accel);
