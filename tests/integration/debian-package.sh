#!/bin/bash
# debian-package.sh - debian/ builds an installable kiln .deb on this
# machine: dpkg-buildpackage -us -uc -b on a copy of the source tree,
# lintian without errors, dependencies apt can satisfy, and the package
# unpacked into a scratch root runs: kiln --version, kiln validate on an
# installed example, kiln components list from the installed data.
# Costs one more build of kiln (nocheck: CI runs the unit tests already):
# about 2-3 minutes on 2 cores, lintian included.
: "${top_srcdir:?}" "${KILN:?}"
set -u
for tool in dpkg-buildpackage dh lintian dpkg-deb git; do
  command -v "$tool" > /dev/null || { echo "SKIP: $tool is missing (scripts/install-deps)"; exit 77; }
done
[ -d "$top_srcdir/.git" ] || [ -f "$top_srcdir/.git" ] ||
  { echo "SKIP: not a git checkout (the copy is made with git ls-files)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
check () {   # check DESCRIPTION COMMAND...
  local d=$1; shift
  if "$@"; then echo "ok   $d"; else echo "FAIL $d"; failed=1; fi
}
version=$("$KILN" --version | awk '{ print $2 }')

# The source tree as it is (tracked and new files, no build products).
mkdir -p "$tmp/src/kiln"
(cd "$top_srcdir" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) |
  tar -xf - -C "$tmp/src/kiln"

start=$(date +%s)
(cd "$tmp/src/kiln" &&
  DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
  > "$tmp/build.log" 2>&1
rc=$?
echo "     (dpkg-buildpackage: $(( $(date +%s) - start )) s)"
check "dpkg-buildpackage -us -uc -b" test "$rc" -eq 0
[ "$rc" -eq 0 ] || { tail -30 "$tmp/build.log"; exit 1; }
deb=$(ls "$tmp"/src/kiln_*_amd64.deb)
check "a kiln .deb for version $version" test "$(basename "$deb")" = "kiln_${version}_amd64.deb"

start=$(date +%s)
lintian --fail-on error "$tmp"/src/kiln_*_amd64.changes > "$tmp/lintian.out" 2>&1
rc=$?
echo "     (lintian: $(( $(date +%s) - start )) s)"
sed 's/^/     /' "$tmp/lintian.out"
check "lintian: no errors" test "$rc" -eq 0

# Dependencies: the libraries (shlibs) and the programs kiln runs.
depends=$(dpkg-deb -f "$deb" Depends)
for p in libglib2.0-0 libguestfs0 libvirt0 libjson-glib-1.0-0 libsqlite3-0 libyaml-0-2 \
         libxml2 libarchive13 qemu-utils qemu-system-x86 libvirt-daemon-driver-qemu \
         supermin mmdebstrap e2fsprogs fdisk dosfstools mtools; do
  check "Depends: $p" grep -Eq "(^|, )$p( |,|$)" <<< "$depends"
done
apt-get install --simulate --no-install-recommends "$deb" > "$tmp/apt.out" 2>&1
check "apt can install it (its dependencies resolve)" test $? -eq 0
grep -q "^Inst kiln " "$tmp/apt.out" || { check "apt would install kiln" false; tail -5 "$tmp/apt.out"; }

# Unpacked into a scratch root: the files where they belong.
root="$tmp/root"
dpkg-deb -x "$deb" "$root"
for f in usr/bin/kiln usr/libexec/kiln/kiln-agent usr/share/man/man1/kiln.1.gz \
         usr/share/bash-completion/completions/kiln \
         usr/share/kiln/templates/debian-12.yaml usr/share/kiln/components/update-os.yaml \
         usr/share/kiln/schemas/recipe.schema.json usr/share/kiln/schemas/component.schema.json \
         usr/share/doc/kiln/examples/golden-web/recipe.yaml usr/share/doc/kiln/copyright; do
  check "installs /$f" test -s "$root/$f"
done

# The installed kiln looks for its data where the package put it...
"$root/usr/bin/kiln" components list > "$tmp/out" 2>&1
check "installed kiln reads /usr/share/kiln (compiled in)" grep -q "/usr/share/kiln/components" "$tmp/out"
# ...which, in a scratch root, KILN_DATADIR and KILN_AGENT point into.
export KILN_DATADIR="$root/usr/share/kiln" KILN_AGENT="$root/usr/libexec/kiln/kiln-agent"
export KILN_HOME="$tmp/home"
check "kiln --version: kiln $version" test "$("$root/usr/bin/kiln" --version)" = "kiln $version"
check "the installed agent runs: kiln-agent $version" \
  test "$("$KILN_AGENT" --version)" = "kiln-agent $version"
"$root/usr/bin/kiln" validate "$root/usr/share/doc/kiln/examples/golden-web/recipe.yaml" > "$tmp/out" 2>&1
check "kiln validate the installed golden-web example" test $? -eq 0
check "... a valid recipe" grep -q "recipe.yaml: valid recipe" "$tmp/out"
"$root/usr/bin/kiln" validate "$root/usr/share/doc/kiln/examples/hello/components/hello.yaml" > "$tmp/out" 2>&1
check "kiln validate the installed hello component" test $? -eq 0
n=$("$root/usr/bin/kiln" components list | tail -n +2 | wc -l)
check "kiln components list: the $(ls "$top_srcdir"/components/*.yaml | wc -l) installed components" \
  test "$n" -eq "$(ls "$top_srcdir"/components/*.yaml | wc -l)"
"$root/usr/bin/kiln" template list > "$tmp/out" 2>&1
check "kiln template list: the installed debian-12 template" grep -q "^debian-12 " "$tmp/out"

exit $failed
