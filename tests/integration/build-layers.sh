#!/usr/bin/env bash
# Per-component layers on the tiny image (docs/layers.md): a full build of
# three components cuts a layer after the first and after the second (whose
# last step is a Reboot: the layer is cut after the reboot, at the
# component's end); a rebuild where only the third changed starts from the
# layer after the second, runs only the third (the agent in the layer gets
# the new plan over its channel: no inject launch), and gives an image with
# the same content as a full --force build; kiln images show lists the layers;
# a layer goes when the last build using it is removed; a failing build
# keeps the layers it cut, and the build with its failing component fixed
# starts from them.
. "$(dirname "$0")/lib/functions.sh"
. "$(dirname "$0")/lib/tiny-image.sh"
for tool in jq guestfish qemu-img; do requires "$tool"; done

tiny=$(kiln_tiny_image) || fail "cannot build the tiny test image"
parent_sum=$(sha256sum "$tiny" | cut -d' ' -f1)
dir=$TEST_TMP/recipe
mkdir -p "$dir"

# component NAME FILE STEPS...: a component whose build phase runs each
# STEPS line as an ExecuteBash step (a line "REBOOT" is a Reboot step)
component () {
  local name=$1 file=$2 i=0 step
  shift 2
  {
    printf 'name: %s\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n' "$name"
    for step in "$@"; do
      i=$((i + 1))
      if [ "$step" = REBOOT ]; then
        printf '      - name: Reboot%d\n        action: Reboot\n' "$i"
      else
        printf '      - name: Step%d\n        action: ExecuteBash\n        inputs:\n          commands:\n            - %s\n' "$i" "$step"
      fi
    done
  } > "$dir/$file"
}

recipe () {   # recipe FILE THIRD-COMPONENT-FILE
  cat > "$dir/$1" <<YAML
name: layers-test
version: 1.0.0
parent: $tiny
components:
  - component: ./one.yaml
  - component: ./two.yaml
  - component: ./$2
build:
  memory: 512M
outputs:
  name: layers-out
  formats: [qcow2]
  directory: $TEST_TMP/out-${1%.yaml}
YAML
}

component layer-one one.yaml \
  "mkdir -p /etc/kiln-layers && echo one >> /etc/kiln-layers/runs && echo one > /etc/kiln-layers/one"
component layer-two two.yaml \
  "echo two >> /etc/kiln-layers/runs && echo two > /etc/kiln-layers/two" REBOOT
component layer-three three-v1.yaml \
  "echo three >> /etc/kiln-layers/runs && echo three-v1 > /etc/kiln-layers/three"
component layer-three three-v2.yaml \
  "echo three >> /etc/kiln-layers/runs && echo three-v2 > /etc/kiln-layers/three"
recipe v1.yaml three-v1.yaml
recipe v2.yaml three-v2.yaml

show () { "$KILN" images show "$1" --json > "$TEST_TMP/show.json" || fail "kiln images show $1"; }
layer_files () { ls "$KILN_HOME/layers" 2> /dev/null | sort; }

read_image () {
  test_guestfish --ro -a "$1" -i <<'GF' > "$2" 2>&1 || { cat "$2"; fail "guestfish could not read $1"; }
echo runs=
cat /etc/kiln-layers/runs
echo one=
cat /etc/kiln-layers/one
echo two=
cat /etc/kiln-layers/two
echo three=
cat /etc/kiln-layers/three
echo listing=
ls /etc/kiln-layers
echo agent=
is-dir /var/lib/kiln-agent
is-file /usr/local/libexec/kiln/kiln-agent
echo rclocal=
-grep kiln-agent /etc/rc.local
echo end
GF
}

# --- 1. the full build: two layers cut, kept with the build --------------
t0=$(date +%s)
expect_exit 0 --out "$TEST_TMP/a.out" "$KILN" build "$dir/v1.yaml" < /dev/null
note "full build: $(( $(date +%s) - t0 )) s"
a=$(build_ref "$TEST_TMP/a.out")
expect_grep "layer after component 1 (./one.yaml, document layer-one) cut" "$TEST_TMP/a.out"
expect_grep "layer after component 2 (./two.yaml, document layer-two) cut" "$TEST_TMP/a.out"
expect_no_grep "layer after component 3" "$TEST_TMP/a.out"
expect_grep "kept the layer after component 2" "$TEST_TMP/a.out"
expect_grep "guest rebooting" "$TEST_TMP/a.out"
expect_grep "2 layers cut" "$TEST_TMP/a.out"
# the guest was frozen while each was cut, and thawed after (the agent's
# own words, which it held back while frozen)
alog=$KILN_HOME/logs/layers-test/1.0.0/${a##*/}.log
expect_grep '"event":"layer".*"layer":1.*"frozen":\["/"\]' "$alog"
expect_grep '"event":"layer".*"layer":2.*"frozen":\["/"\]' "$alog"
expect_grep 'layer 1 after layer-one: cut by the host; thawed' "$alog"
expect_grep 'layer 2 after layer-two: cut by the host; thawed' "$alog"
# the plan asks the host at each start (a later build may hand the agent in
# a layer its own plan); this build's own agent is told to go on, after
# the reboot too
expect_eq "the agent asked at both starts" 2 "$(grep -c '"event":"hello".*"asks":true' "$alog")"
expect_eq "and was told to go both times" 2 "$(grep -c 'host: {"command": "go"}' "$alog")"
show "$a"
expect_eq "build $a uses two layers" 2 "$(jq '.layers | length' "$TEST_TMP/show.json")"
expect_eq "both cut by $a" "$a $a" "$(jq -r '[.layers[].cutBy] | join(" ")' "$TEST_TMP/show.json")"
expect_eq "after components 1 and 2" "1 2" "$(jq -r '[.layers[].afterComponent] | join(" ")' "$TEST_TMP/show.json")"
jq -e '.layers | all(.present and .size > 0)' "$TEST_TMP/show.json" > /dev/null || fail "layer files missing: $(jq -c .layers "$TEST_TMP/show.json")"
a_layers=$(jq -r '.layers[].path' "$TEST_TMP/show.json")
l2=$(jq -r '.layers[1].path' "$TEST_TMP/show.json")
expect_eq "layer 2 is a delta over layer 1" "$(jq -r '.layers[0].path' "$TEST_TMP/show.json")" \
  "$(qemu-img info --output=json "$l2" | jq -r '."backing-filename"')"
"$KILN" images show "$a" > "$TEST_TMP/show.txt"
expect_grep "^layers  *after component 1 (./one.yaml): .* cut by this build" "$TEST_TMP/show.txt"
expect_no_leftovers

# --- 2. only the third component changed: from the layer after the second --
t0=$(date +%s)
expect_exit 0 --out "$TEST_TMP/b.out" "$KILN" build "$dir/v2.yaml" < /dev/null
note "rebuild from a layer: $(( $(date +%s) - t0 )) s"
b=$(build_ref "$TEST_TMP/b.out")
expect_grep "starting from the layer after component 2 (./two.yaml), cut by build $a: components 1-2 are unchanged" "$TEST_TMP/b.out"
blog=$KILN_HOME/logs/layers-test/1.0.0/${b##*/}.log
# no appliance launch writes the plan in: the agent in the layer, started
# with build A's plan, asks and gets build B's over the channel
expect_grep "the agent in the layer gets the build plan over its channel when it starts: no inject launch" "$TEST_TMP/b.out"
expect_no_grep "injected the kiln agent and the build plan" "$TEST_TMP/b.out"
expect_grep "the agent in the layer (run layers-test-1.0.0-[0-9]*) got this build's plan (run layers-test-1.0.0-[0-9]*) over its channel" "$TEST_TMP/b.out"
expect_grep '"event":"log".*the host sent the plan of run layers-test-1.0.0-[0-9]* (a build that starts from a layer)' "$blog"
expect_grep '"event":"step-start".*"document":"layer-three"' "$blog"
expect_no_grep '"event":"step-start".*"document":"layer-one"' "$blog"
expect_no_grep '"event":"step-start".*"document":"layer-two"' "$blog"
expect_no_grep "guest rebooting" "$TEST_TMP/b.out"
expect_no_grep "document .*) cut in" "$TEST_TMP/b.out"
show "$b"
expect_eq "build $b uses $a's two layers" "$a $a" "$(jq -r '[.layers[].cutBy] | join(" ")' "$TEST_TMP/show.json")"
expect_no_leftovers
read_image "$TEST_TMP/out-v2/layers-out/layers-out.qcow2" "$TEST_TMP/b.facts"

# --- 3. the same recipe with --force: every component, from the parent ----
expect_exit 0 --out "$TEST_TMP/c.out" "$KILN" build --force "$dir/v2.yaml" < /dev/null
c=$(build_ref "$TEST_TMP/c.out")
expect_grep "layers: --force: building from the parent" "$TEST_TMP/c.out"
expect_no_grep "starting from the layer" "$TEST_TMP/c.out"
expect_grep "layer after component 2 (./two.yaml, document layer-two) cut" "$TEST_TMP/c.out"

# the two images hold the same: read back independently of kiln
read_image "$TEST_TMP/out-v2/layers-out/layers-out.qcow2" "$TEST_TMP/c.facts"
cat "$TEST_TMP/b.facts"
diff -u "$TEST_TMP/c.facts" "$TEST_TMP/b.facts" || fail "the image built from a layer differs from the full build's"
expect_eq "each component ran once, in order" "one two three" \
  "$(sed -n '/^runs=$/,/^one=$/p' "$TEST_TMP/b.facts" | sed '1d;$d' | grep -v '^$' | paste -sd' ')"
expect_line "$TEST_TMP/b.facts" three-v2
sed -n '/^agent=$/,/^rclocal=$/p' "$TEST_TMP/b.facts" | grep -qx true && fail "the agent is still in the image"
sed -n '/^rclocal=$/,/^end$/p' "$TEST_TMP/b.facts" | grep -q kiln-agent && fail "rc.local still starts the agent"

# --- 4. layers go with the last build that uses them ---------------------
"$KILN" images rm "$a" > /dev/null || fail "kiln images rm $a"
for l in $a_layers; do expect_file "$l"; done     # build B still uses them
"$KILN" images rm "$b" > /dev/null || fail "kiln images rm $b"
for l in $a_layers; do expect_no_file "$l"; done
show "$c"
expect_eq "build $c's own layers stay" "$c $c" "$(jq -r '[.layers[].cutBy] | join(" ")' "$TEST_TMP/show.json")"
jq -e '.layers | all(.present)' "$TEST_TMP/show.json" > /dev/null || fail "build $c's layer files are gone"

# --- 5. a failing build keeps the layers it cut, for the retry -----------
component layer-two two.yaml \
  "echo two >> /etc/kiln-layers/runs && echo two-b > /etc/kiln-layers/two"
component layer-three three-bad.yaml "echo failing && exit 3"
recipe bad.yaml three-bad.yaml
before=$(layer_files)
rc=0
"$KILN" build "$dir/bad.yaml" < /dev/null > "$TEST_TMP/d.out" 2>&1 || rc=$?
cat "$TEST_TMP/d.out"
[ "$rc" -ne 0 ] || fail "the failing build succeeded"
d=$(build_ref "$TEST_TMP/d.out")
expect_grep "starting from the layer after component 1 (./one.yaml), cut by build $c: component 1 (./one.yaml) is unchanged" "$TEST_TMP/d.out"
expect_grep "layer after component 2 (./two.yaml, document layer-two) cut" "$TEST_TMP/d.out"
expect_no_grep "injected the kiln agent and the build plan" "$TEST_TMP/d.out"
expect_grep "kept the layer after component 2 (./two.yaml)" "$TEST_TMP/d.out"
show "$d"
expect_eq "the failed build uses $c's layer and keeps its own" "$c $d" "$(jq -r '[.layers[].cutBy] | join(" ")' "$TEST_TMP/show.json")"
d_layer=$(jq -r '.layers[1].path' "$TEST_TMP/show.json")
expect_file "$d_layer"
expect_eq "one layer file added, none removed" "$(printf '%s\n%s' "$before" "${d_layer##*/}" | sort)" "$(layer_files)"
expect_no_leftovers

# --- 6. the fixed component's build starts from the failed build's layer --
component layer-three three-fixed.yaml \
  "echo three >> /etc/kiln-layers/runs && echo three-fixed > /etc/kiln-layers/three"
recipe fixed.yaml three-fixed.yaml
expect_exit 0 --out "$TEST_TMP/e.out" "$KILN" build "$dir/fixed.yaml" < /dev/null
e=$(build_ref "$TEST_TMP/e.out")
expect_grep "starting from the layer after component 2 (./two.yaml), cut by build $d: components 1-2 are unchanged" "$TEST_TMP/e.out"
read_image "$TEST_TMP/out-fixed/layers-out/layers-out.qcow2" "$TEST_TMP/e.facts"
expect_eq "each component ran once" "one two three" \
  "$(sed -n '/^runs=$/,/^one=$/p' "$TEST_TMP/e.facts" | sed '1d;$d' | grep -v '^$' | paste -sd' ')"
expect_line "$TEST_TMP/e.facts" two-b
expect_line "$TEST_TMP/e.facts" three-fixed
# the failed build is no longer the last of the recipe to end: its layer
# stays because the fixed build uses it
show "$e"
expect_eq "build $e uses $c's and $d's layers" "$c $d" "$(jq -r '[.layers[].cutBy] | join(" ")' "$TEST_TMP/show.json")"
jq -e '.layers | all(.present)' "$TEST_TMP/show.json" > /dev/null || fail "build $e's layer files are gone"
expect_no_leftovers
[ "$(sha256sum "$tiny" | cut -d' ' -f1)" = "$parent_sum" ] || fail "the parent image changed"
ok "layers: cut, used, equal to a full build, removed with their builds, kept by a failed build for its retry"
