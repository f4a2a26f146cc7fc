# tiny-image.sh - the shared tiny bootable test image, built once.
#
#   . "$(dirname "$0")/lib/tiny-image.sh"     # after lib/functions.sh
#   img=$(kiln_tiny_image) || fail "cannot build the tiny test image"  # boots (extlinux)
#   img=$(kiln_tiny_image --no-bootloader) || fail "..."               # never boots
#
# The image is built by scripts/make-test-image into
# $top_builddir/tests/tmp/{tiny,tiny-noboot}.qcow2 on first use and rebuilt
# when the script is newer than it.  A lock (flock) makes parallel tests wait
# for one build instead of racing.  Never write to the image: boot or modify
# an overlay (qemu-img create -f qcow2 -b IMG -F qcow2 OVERLAY).
# The build log goes to stderr and to IMG.log.

kiln_tiny_image () {
  _kti_variant=tiny
  _kti_opt=
  case ${1:-} in
    '') ;;
    --no-bootloader) _kti_variant=tiny-noboot; _kti_opt=--no-bootloader ;;
    *) echo "kiln_tiny_image: unknown option '$1'" >&2; return 2 ;;
  esac
  _kti_dir=${top_builddir:?top_builddir is not set}/tests/tmp
  _kti_script=${top_srcdir:?top_srcdir is not set}/scripts/make-test-image
  _kti_img=$_kti_dir/$_kti_variant.qcow2
  mkdir -p "$_kti_dir" || return 1
  command -v flock >/dev/null 2>&1 || { echo "kiln_tiny_image: flock not found (util-linux)" >&2; return 1; }
  (
    flock 9 || exit 1
    if [ -s "$_kti_img" ] && ! [ "$_kti_script" -nt "$_kti_img" ]; then
      exit 0
    fi
    echo "# building $_kti_img (scripts/make-test-image $_kti_opt)" >&2
    _kti_t0=$(date +%s)
    # shellcheck disable=SC2086  # _kti_opt is empty or one word
    if ! "$_kti_script" $_kti_opt "$_kti_img" > "$_kti_img.log" 2>&1; then
      cat "$_kti_img.log" >&2
      echo "kiln_tiny_image: scripts/make-test-image failed (log: $_kti_img.log)" >&2
      exit 1
    fi
    cat "$_kti_img.log" >&2
    echo "# built $_kti_img in $(( $(date +%s) - _kti_t0 )) s" >&2
  ) 9> "$_kti_img.lock" || return 1
  printf '%s\n' "$_kti_img"
}
