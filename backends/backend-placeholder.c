/* placeholder until the first backend lands */
int kiln_backends_placeholder (void);
int kiln_backends_placeholder (void) { return 0; }
