#!/usr/bin/env bash
# Builds one Portcullis image as an OCI archive with no Docker engine and no base image pulled from anywhere:
# the base is a distroless-style Java 17 runtime made from Debian 12's own packages (apt-get download + dpkg-deb -x,
# no shell, no package manager, uid 65532), the jar goes into a layer of its own on top of it, and buildah packages
# both (`from scratch`, storage private to this build under target/). Run by `mvn -Pimages package` in each module.
#
# usage: images/build-image.sh registry|operator JAR VERSION OUT.tar
# environment:
#   IMAGES_PUSH=REGISTRY/PREFIX  also push to docker://REGISTRY/PREFIX/portcullis-KIND:VERSION with skopeo, which takes
#                                credentials from its auth file (`skopeo login` first, or REGISTRY_AUTH_FILE)
#   IMAGES_CERT_DIR=DIR          the CA (*.crt) and client certificate skopeo uses for that registry (--dest-cert-dir)
#   SOURCE_DATE_EPOCH=SECONDS    the image's creation time and its jar layer's file times (default: HEAD's commit time)
#   IMAGES_LICENSES=SPDX         the org.opencontainers.image.licenses label (default NOASSERTION: none declared yet)
#
# Reproducible: every file time in the base is 0 and in the jar layer SOURCE_DATE_EPOCH, tars are sorted, the Java
# trust store has no random salt, so the same packages, jar and commit give the same image digest.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
ME=build-image.sh

die() { echo "$ME: $*" >&2; exit 1; }
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

[[ $# -eq 4 ]] || { echo "usage: $ME registry|operator JAR VERSION OUT.tar" >&2; exit 2; }
KIND=$1 JAR=$2 VERSION=$3 OUT=$4
case "$KIND" in registry | operator) ;; *) die "unknown image '$KIND': registry or operator" ;; esac
[[ -f "$JAR" ]] || die "$JAR is missing: build it first (mvn -Pimages package builds it in the same run)"

# Each missing tool is named with the Debian package that brings it.
for tool in buildah:buildah apt-get:apt dpkg-deb:dpkg tar:tar java:openjdk-17-jre-headless git:git; do
    command -v "${tool%%:*}" >/dev/null || die "${tool%%:*} is missing (apt-get install ${tool#*:})"
done
if [[ -n "${IMAGES_PUSH:-}" ]]; then
    command -v skopeo >/dev/null || die "skopeo is missing, needed to push to $IMAGES_PUSH (apt-get install skopeo)"
fi
[[ $(id -u) -eq 0 ]] || die "needs root: buildah's private storage here is not set up for rootless use"

NAME=portcullis-$KIND
REF="ghcr.io/portcullis-dev/$NAME:$VERSION"
OUT=$(readlink -f "$OUT")
WORK=$(dirname "$OUT")/image-build
# Downloaded .debs are kept for both modules' builds and the next run; each build unpacks its own rootfs.
DEBS=$REPO/target/image-debs
PACKAGES="base-files ca-certificates libc6 libgcc-s1 libssl3 libstdc++6 netbase openjdk-17-jre-headless tzdata zlib1g"
REVISION=$(git -C "$REPO" rev-parse HEAD 2>/dev/null || echo unknown)
if [[ $REVISION != unknown && -n $(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null) ]]; then
    REVISION=$REVISION-dirty
fi
EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$REPO" log -1 --format=%ct 2>/dev/null || echo 0)}
# The project declares no license yet; SPDX's word for that, until it does.
LICENSES=${IMAGES_LICENSES:-NOASSERTION}
SOURCE=https://github.com/portcullis-dev/portcullis

mkdir -p "$WORK" "$DEBS"
export TMPDIR=$WORK/tmp   # buildah keeps its build cache in /var/tmp otherwise
B=(buildah --root "$WORK/storage" --runroot "$WORK/run" --storage-driver overlay)
cleanup() {
    "${B[@]}" rm --all >/dev/null 2>&1 || true
    "${B[@]}" rmi --all --force >/dev/null 2>&1 || true
}
# Leftovers of an interrupted run: unmounted first, then removed.
cleanup
rm -rf "$WORK/storage" "$WORK/run" "$WORK/rootfs" "$TMPDIR"
mkdir -p "$TMPDIR"
# What is left is the archive: the rootfs, tars, layout and storage (600 MB) go, failed run or not.
trap 'cleanup; rm -rf "$WORK"' EXIT

# ---------------------------------------------------------------- the Debian packages
log "$NAME $VERSION: Debian packages"
# From an empty folder: apt leaves out the files already in the current one.
if ! uris=$(cd "$TMPDIR" && apt-get download --print-uris $PACKAGES 2>"$WORK/apt.err"); then
    die "apt cannot resolve the base's packages ($(grep -m1 '^E:' "$WORK/apt.err" || head -1 "$WORK/apt.err")): run apt-get update"
fi
mapfile -t files < <(awk '{print $2}' <<<"$uris" | LC_ALL=C sort)
[[ ${#files[@]} -eq $(wc -w <<<"$PACKAGES") ]] || die "apt resolved ${#files[@]} files for $(wc -w <<<"$PACKAGES") packages: $PACKAGES"
missing=()
for f in "${files[@]}"; do [[ -f "$DEBS/$f" ]] || missing+=("$(cut -d_ -f1 <<<"$f")"); done
if ((${#missing[@]})); then
    (cd "$DEBS" && flock "$DEBS/.lock" apt-get download -q "${missing[@]}" >"$WORK/apt.log" 2>&1) \
        || die "cannot download ${missing[*]} from the Debian mirror: $(grep -m1 '^E:' "$WORK/apt.log" || tail -1 "$WORK/apt.log")"
fi

# ---------------------------------------------------------------- the base's root filesystem
R=$WORK/rootfs
mkdir -p "$R"
for f in "${files[@]}"; do
    dpkg-deb -x "$DEBS/$f" "$R"
    # What scanners read in distroless images to know the packages: each one's control fields.
    mkdir -p "$R/var/lib/dpkg/status.d"
    pkg=$(dpkg-deb -f "$DEBS/$f" Package)
    { dpkg-deb -f "$DEBS/$f"; echo "Status: install ok installed"; } >"$R/var/lib/dpkg/status.d/$pkg"
done
printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
    'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$R/etc/passwd"
printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'tty:x:5:' 'staff:x:50:' 'nonroot:x:65532:' >"$R/etc/group"
printf '%s\n' 'passwd: files' 'group: files' 'shadow: files' 'hosts: files dns' 'networks: files' \
    'protocols: files' 'services: files' >"$R/etc/nsswitch.conf"
mkdir -p "$R/home/nonroot" "$R/root" "$R/tmp" "$R/etc/ssl/certs/java" "$R/usr/bin"
chown 65532:65532 "$R/home/nonroot"
chmod 700 "$R/root"
chmod 1777 "$R/tmp"
# update-ca-certificates' bundle and ca-certificates-java's store, made here since no install script runs.
(cd "$R/usr/share/ca-certificates" && find . -name '*.crt' | LC_ALL=C sort | xargs cat) >"$R/etc/ssl/certs/ca-certificates.crt"
java "$HERE/TrustStore.java" "$R/etc/ssl/certs/ca-certificates.crt" "$R/etc/ssl/certs/java/cacerts" >/dev/null
JAVA_HOME_IN_IMAGE=/usr/lib/jvm/java-17-openjdk-amd64
[[ -x "$R$JAVA_HOME_IN_IMAGE/bin/java" ]] || die "openjdk-17-jre-headless did not unpack $JAVA_HOME_IN_IMAGE/bin/java"
ln -sf "$JAVA_HOME_IN_IMAGE/bin/java" "$R/usr/bin/java"
ln -sf /usr/share/zoneinfo/Etc/UTC "$R/etc/localtime"
# Documentation is dropped; each package's copyright file stays (the licenses travel with the binaries).
find "$R/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
find "$R/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$R/usr/share/man" "$R/usr/share/info" "$R/usr/share/lintian" "$R/usr/share/gdb" "$R/usr/share/bug" \
    "$R$JAVA_HOME_IN_IMAGE/man" "$R$JAVA_HOME_IN_IMAGE/docs"
TAR=(tar --sort=name --numeric-owner --mtime=@0 --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime)
"${TAR[@]}" -C "$R" -cf "$WORK/base.tar" .

# ---------------------------------------------------------------- the jar's layer
A=$WORK/app
rm -rf "$A" && mkdir -p "$A/app"
cp "$JAR" "$A/app/$NAME.jar"
if [[ $KIND == registry ]]; then
    cp "$REPO/registry-image/jvm.options" "$A/app/jvm.options"
    # The registry's data directory belongs to its user: distroless has no shell to mkdir/chown at run time.
    mkdir -p "$A/var/lib/registry" && chown 65532:65532 "$A/var/lib/registry"
fi
chmod -R go-w "$A/app"
"${TAR[@]}" --mtime=@"$EPOCH" -C "$A" -cf "$WORK/app.tar" .

# ---------------------------------------------------------------- the image
log "$NAME $VERSION: buildah"
ENVS=(--env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
      --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt --env LANG=C.UTF-8)
c=$("${B[@]}" from scratch)
"${B[@]}" add --quiet "$c" "$WORK/base.tar" / >/dev/null
"${B[@]}" config "${ENVS[@]}" --user 65532:65532 --workingdir /home/nonroot --os linux --arch amd64 "$c"
# Time 0, whatever the commit: the base layer's bytes stay the same across releases, so an upgrade pulls the jar only.
"${B[@]}" commit --quiet --timestamp 0 --format oci --rm "$c" localhost/portcullis-base >/dev/null

c=$("${B[@]}" from localhost/portcullis-base)
"${B[@]}" add --quiet "$c" "$WORK/app.tar" / >/dev/null
LABELS=(--label org.opencontainers.image.title="$NAME" --label org.opencontainers.image.version="$VERSION"
        --label org.opencontainers.image.revision="$REVISION" --label org.opencontainers.image.source="$SOURCE"
        --label org.opencontainers.image.licenses="$LICENSES")
# The runtime settings are the module Dockerfile's (its last stage's USER, WORKDIR, ENV, EXPOSE, ENTRYPOINT): one
# place for them, which Docker users build from, bench/compare.sh and the end-to-end kubelet stand-in read too.
DOCKERFILE=$REPO/$([[ $KIND == registry ]] && echo registry-image || echo operator)/Dockerfile
FINAL_STAGE=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$DOCKERFILE" | awk '/^FROM /{s=""} {s=s $0 "\n"} END{printf "%s", s}')
instruction() { sed -n "s/^$1 \{1,\}//p" <<<"$FINAL_STAGE"; }
RUNTIME=(--user "$(instruction USER)")
[[ -n $(instruction WORKDIR) ]] && RUNTIME+=(--workingdir "$(instruction WORKDIR)")
while read -r e; do [[ -n $e ]] && RUNTIME+=(--env "$e"); done < <(instruction ENV)
for p in $(instruction EXPOSE); do RUNTIME+=(--port "$p/tcp"); done
ENTRYPOINT=$(instruction ENTRYPOINT | tr -s ' ')
[[ $ENTRYPOINT == \[* && -n $(instruction USER) ]] || die "$DOCKERFILE: no USER or no exec-form ENTRYPOINT [...] in its last stage"
"${B[@]}" config "${LABELS[@]}" "${RUNTIME[@]}" --entrypoint "$ENTRYPOINT" "$c"
"${B[@]}" commit --quiet --timestamp "$EPOCH" --format oci --rm "$c" "$REF" >/dev/null
rm -rf "$OUT" "$WORK/layout"
"${B[@]}" push --quiet "$REF" "oci:$WORK/layout:$REF" >/dev/null
# buildah's own archive records the time of the push; this one is the same bytes every time.
"${TAR[@]}" --owner=0 --group=0 -C "$WORK/layout" -cf "$OUT" blobs index.json oci-layout

DIGEST=$(grep -o '"digest":"sha256:[0-9a-f]*"' "$WORK/layout/index.json" | head -1 | cut -d'"' -f4)
log "$NAME $VERSION: $OUT ($(du -h "$OUT" | cut -f1), manifest $DIGEST, revision $REVISION)"

if [[ -n "${IMAGES_PUSH:-}" ]]; then
    DEST=docker://${IMAGES_PUSH%/}/$NAME:$VERSION
    log "pushing to $DEST"
    skopeo copy --quiet ${IMAGES_CERT_DIR:+--dest-cert-dir "$IMAGES_CERT_DIR"} "oci-archive:$OUT" "$DEST" \
        || die "skopeo could not push to $DEST (log in with skopeo login; its CA: IMAGES_CERT_DIR / -Dimages.certDir)"
fi
