#!/usr/bin/env bash
# debian-package.sh - debian/ builds an installable kiln .deb on this
# machine: dpkg-buildpackage -us -uc -b on a copy of the source tree,
# lintian without errors, dependencies apt can satisfy, and the package
# unpacked into a scratch root runs: kiln --version, kiln validate on an
# installed example, kiln components list from the installed data.
# Costs one more build of kiln (nocheck: CI runs the unit tests already):
# about 2-3 minutes on 2 cores, lintian included.
. "$(dirname "$0")/lib/functions.sh"

for tool in dpkg-buildpackage dh lintian dpkg-deb git; do requires "$tool"; done
[ -d "$top_srcdir/.git" ] || [ -f "$top_srcdir/.git" ] ||
  skip "not a git checkout (the copy is made with git ls-files)"
tmp=$TEST_TMP
# a home of its own, not the shared one: the packaged kiln keeps its state
# in this test
export KILN_HOME="$tmp/home"
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
note "measure: dpkg-buildpackage $(( $(date +%s) - start )) s"
[ "$rc" -eq 0 ] || { tail -30 "$tmp/build.log"; fail "dpkg-buildpackage -us -uc -b (exit $rc)"; }
ok "dpkg-buildpackage -us -uc -b"
deb=$(ls "$tmp"/src/kiln_*_amd64.deb)
expect "a kiln .deb for version $version" test "$(basename "$deb")" = "kiln_${version}_amd64.deb"

start=$(date +%s)
lintian --fail-on error "$tmp"/src/kiln_*_amd64.changes > "$tmp/lintian.out" 2>&1
rc=$?
note "measure: lintian $(( $(date +%s) - start )) s"
sed 's/^/     /' "$tmp/lintian.out"
expect "lintian: no errors" test "$rc" -eq 0

# Dependencies: the libraries (shlibs) and the programs kiln runs.
depends=$(dpkg-deb -f "$deb" Depends)
for p in libglib2.0-0 libguestfs0 libvirt0 libjson-glib-1.0-0 libsqlite3-0 libyaml-0-2 \
         libxml2 libarchive13 qemu-utils qemu-system-x86 libvirt-daemon-driver-qemu \
         supermin mmdebstrap e2fsprogs fdisk dosfstools mtools; do
  expect "Depends: $p" grep -Eq "(^|, )$p( |,|$)" <<< "$depends"
done
expect_exit 0 --out "$tmp/apt.out" apt-get install --simulate --no-install-recommends "$deb"
ok "apt can install it (its dependencies resolve)"
expect_grep "^Inst kiln " "$tmp/apt.out"
ok "apt would install kiln"

# Unpacked into a scratch root: the files where they belong.
root="$tmp/root"
dpkg-deb -x "$deb" "$root"
for f in usr/bin/kiln usr/libexec/kiln/kiln-agent usr/share/man/man1/kiln.1.gz \
         usr/share/bash-completion/completions/kiln \
         usr/share/kiln/templates/debian-12.yaml usr/share/kiln/components/update-os.yaml \
         usr/share/kiln/schemas/recipe.schema.json usr/share/kiln/schemas/component.schema.json \
         usr/share/doc/kiln/examples/golden-web/recipe.yaml usr/share/doc/kiln/copyright; do
  expect "installs /$f" test -s "$root/$f"
done

# The installed kiln looks for its data where the package put it...
"$root/usr/bin/kiln" components list > "$tmp/out" 2>&1
expect_grep "/usr/share/kiln/components" "$tmp/out"
ok "installed kiln reads /usr/share/kiln (compiled in)"
# ...which, in a scratch root, KILN_DATADIR and KILN_AGENT point into.
export KILN_DATADIR="$root/usr/share/kiln" KILN_AGENT="$root/usr/libexec/kiln/kiln-agent"
expect "kiln --version: kiln $version" test "$("$root/usr/bin/kiln" --version)" = "kiln $version"
expect "the installed agent runs: kiln-agent $version" \
  test "$("$KILN_AGENT" --version)" = "kiln-agent $version"
expect_exit 0 --out "$tmp/out" "$root/usr/bin/kiln" validate "$root/usr/share/doc/kiln/examples/golden-web/recipe.yaml"
ok "kiln validate the installed golden-web example"
expect_grep "recipe.yaml: valid recipe" "$tmp/out"
ok "... a valid recipe"
expect_exit 0 --out "$tmp/out" "$root/usr/bin/kiln" validate "$root/usr/share/doc/kiln/examples/hello/components/hello.yaml"
ok "kiln validate the installed hello component"
n=$("$root/usr/bin/kiln" components list | tail -n +2 | wc -l)
expect "kiln components list: the $(ls "$top_srcdir"/components/*.yaml | wc -l) installed components" \
  test "$n" -eq "$(ls "$top_srcdir"/components/*.yaml | wc -l)"
"$root/usr/bin/kiln" template list > "$tmp/out" 2>&1
expect_grep "^debian-12 " "$tmp/out"
ok "kiln template list: the installed debian-12 template"
