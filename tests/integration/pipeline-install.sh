#!/usr/bin/env bash
# kiln pipeline install --root: the service and timer it writes pass
# `systemd-analyze verify`, and for a set of schedules (AWS and crontab
# forms, steps, ranges, names, L and #, time zones) the next run kiln
# prints agrees with what `systemd-analyze calendar` computes from the
# OnCalendar= lines kiln wrote.  Schedules with no OnCalendar= form (LW,
# nW) are refused and write nothing; uninstall, disable and enable; and,
# systemd not running, the crontab line.  No VM: a few seconds.
. "$(dirname "$0")/lib/functions.sh"
requires systemd-analyze
requires jq

dir=$TEST_TMP/p
root=$TEST_TMP/root
mkdir -p "$dir" "$root"
cat > "$dir/recipe.yaml" <<'YAML'
name: pipeline-install-test
version: 1.0.0
parent: debian-12
YAML

# pipeline NAME SCHEDULE [TIMEZONE]: writes $dir/NAME.yaml
pipeline () {
  {
    echo "pipeline: $1"
    echo "recipe: ./recipe.yaml"
    echo "schedule: \"$2\""
    [ -z "${3:-}" ] || echo "timezone: $3"
  } > "$dir/$1.yaml"
}

units=$root/etc/systemd/system
# systemd-analyze reads the units kiln wrote (an independent reader: its
# own clock and zone settings are its wrapper's business)
analyze () { TZ=UTC systemd-analyze "$@"; }

n=0
check_schedule () {   # check_schedule SCHEDULE [TIMEZONE]
  n=$((n + 1))
  local name=pipeline-install-$n
  pipeline "$name" "$1" "${2:-}"
  expect_exit 0 --out "$TEST_TMP/$name.out" "$KILN" pipeline install --root "$root" "$dir/$name.yaml"
  local timer=$units/kiln-pipeline-$name.timer service=$units/kiln-pipeline-$name.service
  expect_file "$timer"
  expect_file "$service"
  expect "$1: enabled (timers.target.wants)" \
    test "$(readlink "$units/timers.target.wants/kiln-pipeline-$name.timer")" = "../kiln-pipeline-$name.timer"
  expect_line "$timer" "Persistent=true"
  expect_grep "^ExecStart=.* pipeline run --trigger schedule $dir/$name.yaml\$" "$service"
  expect "$1: systemd-analyze verify" analyze verify --man=no "$timer" "$service"
  # kiln's next run and systemd's, from the same moment
  local base next_kiln next_systemd=
  base=$(date +%s)
  next_kiln=$("$KILN" pipeline status "$dir/$name.yaml" --json | jq -r .nextRun)
  local line t
  while IFS= read -r line; do
    t=$(analyze calendar --base-time="@$base" --iterations=1 "$line" |
          sed -n 's/^ *Next elapse: [A-Za-z]* //p')
    [ -n "$t" ] || fail "$1: systemd-analyze calendar has no next elapse for '$line'"
    t=$(date -u -d "$t" +%s) || fail "cannot read systemd's time '$t'"
    if [ -z "$next_systemd" ] || [ "$t" -lt "$next_systemd" ]; then next_systemd=$t; fi
  done < <(sed -n 's/^OnCalendar=//p' "$timer")
  [ -n "$next_systemd" ] || fail "$1: no OnCalendar= line in $timer"
  expect_eq "$1${2:+ ($2)}: kiln's next run ($next_kiln) is systemd's" \
    "$(date -u -d "@$next_systemd" +%FT%TZ)" "$(date -u -d "$next_kiln" +%FT%TZ)"
}

check_schedule "cron(0 3 * * ? *)" Europe/Berlin
check_schedule "cron(15 4 ? * MON-FRI *)"
check_schedule "cron(0/20 8-17 ? * SAT,SUN *)" America/New_York
check_schedule "cron(30 2 L * ? *)"
check_schedule "cron(0 6 ? * 3#2 *)" Asia/Tokyo
check_schedule "cron(45 23 ? * 6L *)"
check_schedule "cron(0 12 1 JAN,JUL ? 2027-2030)"
check_schedule "5 4 * * sun"
check_schedule "10-40/10 */6 * * *"
check_schedule "0 0 1,15 * MON" Europe/London   # either day fires: two OnCalendar= lines
check_schedule "@weekly"
check_schedule "0 22 * * 1-5" Australia/Sydney

# Refused: no OnCalendar= form; exit 2, nothing written.
for sched in "cron(0 3 LW * ? *)" "cron(0 3 15W * ? *)"; do
  n=$((n + 1))
  pipeline "pipeline-install-$n" "$sched"
  expect_exit 2 --out "$TEST_TMP/refused-$n.out" "$KILN" pipeline install --root "$root" "$dir/pipeline-install-$n.yaml"
  expect_grep "pipeline-install-$n.yaml: " "$TEST_TMP/refused-$n.out"
  expect_no_file "$units/kiln-pipeline-pipeline-install-$n.timer"
  expect_no_file "$units/kiln-pipeline-pipeline-install-$n.service"
  ok "$sched: refused, nothing written"
done

# disable, enable, uninstall (the first pipeline)
first=$dir/pipeline-install-1.yaml
link=$units/timers.target.wants/kiln-pipeline-pipeline-install-1.timer
expect "disable" "$KILN" pipeline disable --root "$root" "$first"
expect_no_file "$link"
expect_eq "status: disabled" false "$("$KILN" pipeline status "$first" --json | jq -r .enabled)"
expect_exit 0 --out "$TEST_TMP/disabled-run.out" "$KILN" pipeline run "$first" < /dev/null
expect_grep "skipped: the pipeline is disabled: disabled with \`kiln pipeline disable\`" "$TEST_TMP/disabled-run.out"
expect "enable" "$KILN" pipeline enable --root "$root" "$first"
expect "enable: the timer is wanted again" test -L "$link"
expect_eq "status: enabled" true "$("$KILN" pipeline status "$first" --json | jq -r .enabled)"
expect "uninstall" "$KILN" pipeline uninstall --root "$root" "$first"
expect_no_file "$link"
expect_no_file "$units/kiln-pipeline-pipeline-install-1.timer"
expect_no_file "$units/kiln-pipeline-pipeline-install-1.service"
expect_exit 2 --out "$TEST_TMP/uninstall2.out" "$KILN" pipeline uninstall --root "$root" "$first"
expect_grep "not installed" "$TEST_TMP/uninstall2.out"

# --user: the user's unit directory under the root
expect "install --user" "$KILN" pipeline install --user --root "$root" "$dir/pipeline-install-2.yaml"
expect_file "$root$HOME/.config/systemd/user/kiln-pipeline-pipeline-install-2.timer"

# Without --root and without a running systemd: the crontab line, nothing
# written; a schedule crontab cannot say is refused.
if [ ! -d /run/systemd/system ]; then
  expect_exit 0 --out "$TEST_TMP/crontab.out" "$KILN" pipeline install "$dir/pipeline-install-8.yaml"
  expect_grep "^5 4 \* \* [^ ]* KILN_HOME=.* pipeline run --trigger schedule .*pipeline-install-8.yaml'\?\$" "$TEST_TMP/crontab.out"
  expect_exit 2 --out "$TEST_TMP/crontab-refused.out" "$KILN" pipeline install "$dir/pipeline-install-7.yaml"
  expect_grep "no crontab form" "$TEST_TMP/crontab-refused.out"
else
  note "systemd runs here: the crontab form is not checked"
fi

expect_no_leftovers
