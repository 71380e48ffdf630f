#!/bin/sh
# An ext_auth program in docker_auth's protocol (its examples/ext_auth.sh reads the same way): "ACCOUNT PASSWORD" on
# stdin; exit 0 allowed (stdout: labels JSON), 1 denied, 2 not my account. $1 is a directory where each run leaves
# a marker, so the tests can tell whether the program ran at all.
read -r u p
: > "$1/ran-$u"
case "$u" in
  alice)
    [ "$p" = "right pw" ] || exit 1
    printf '{"group": ["dev", "ops"]}'
    exit 0 ;;
  spaces)
    # A password with spaces reaches the program whole.
    [ "$p" = "a b  c" ] && exit 0
    exit 1 ;;
  envcheck)
    # The environment is cleared: no PATH, no HOME, nothing of the issuer's.
    if /usr/bin/env | /usr/bin/grep -q -e '^HOME=' -e '^PATH=' -e '^JAVA'; then exit 1; fi
    exit 0 ;;
  hang)
    # A child that would outlive us, then a hang: the timeout must kill both.
    /usr/bin/sleep 300 &
    echo $! > "$1/child.pid"
    wait
    exit 0 ;;
  crash)
    kill -SEGV $$ ;;
  huge)
    # A megabyte of output, then "allowed": too much output is a denial.
    /usr/bin/head -c 1048576 /dev/zero | /usr/bin/tr '\0' 'x'
    exit 0 ;;
  garbage)
    echo "this is not JSON"
    exit 0 ;;
  weird)
    exit 7 ;;
  *)
    exit 2 ;;
esac
