/* layer.h - the guest's half of a layer cut (docs/layers.md) */
#pragma once

/* After document's phases (the plan document says "layer": layer): sync
 * and freeze the guest's filesystems, send the `layer` event, wait for the
 * host's `thaw` (at most KILN_LAYER_FREEZE_MAX_SECONDS), thaw.  Nothing is
 * written to a filesystem meanwhile.  Without a port it only logs. */
void layer_cut (const char *document, long long layer);
