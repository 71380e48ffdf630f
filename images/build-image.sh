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
for tool in buildah:buildah apt-get:apt dpkg-deb:dpkg tar:tar java:openjdk-17-jdk-headless git:git openssl:openssl \
    unshare:util-linux chroot:coreutils; do
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
# Not in the image: the JDK whose jlink and jmods make its Java runtime (the same Debian version as the JRE above).
JDK_PACKAGE=openjdk-17-jdk-headless
# The Java runtime's modules: what `jdeps` finds in both jars (every command of the registry's, and the operator's),
# what they load by name, and every module that java.security's provider list names. A provider named there but
# absent makes the JDK look it up with a ServiceLoader over the class path, which instantiates the jar's BouncyCastle
# provider: 507 classes loaded at the first TLS handshake instead of 114. Left out though jdeps names them:
# java.desktop (java.beans, for Jackson's optional @ConstructorProperties, SnakeYAML's JavaBean mapping and
# Micrometer's Log4j/Logback binders, none of which runs here) and java.compiler (Vert.x's Java-source verticles,
# JOSDK's annotation processor and JavaPoet: build-time code). The registry's training run below exercises the list at
# every build; a class missing at run time would fail with a NoClassDefFoundError naming it.
RUNTIME_MODULES=(
    java.base java.logging java.management java.naming java.net.http java.sql java.xml jdk.unsupported  # jdeps
    jdk.httpserver                    # the operator's /livez, /readyz and /metrics
    jdk.management                    # process CPU and open files for Micrometer (com.sun.management)
    jdk.crypto.ec jdk.crypto.cryptoki java.security.jgss java.security.sasl java.xml.crypto java.smartcardio
    jdk.security.jgss                 # java.security's providers: SunEC, SunPKCS11, SunJGSS, SunSASL, XMLDSig,
                                      # SunPCSC, JdkSASL (SUN, SunRsaSign, SunJSSE, SunJCE and JdkLDAP are above)
    jdk.naming.dns                    # Netty reads the name servers through JNDI's DNS provider when it is there
    jdk.net                           # Netty's TCP socket options (keep-alive idle/interval)
    jdk.charsets                      # charsets beyond UTF-8 and Latin-1 that a client or an LDAP server may send
    jdk.jfr jdk.management.jfr        # `jcmd PID JFR.start` on a live pod (recording stays off unless asked)
)
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
rm -rf "$WORK/storage" "$WORK/run" "$WORK/rootfs" "$WORK/jdk" "$WORK/train" "$WORK/classdata" "$TMPDIR"
mkdir -p "$TMPDIR"
# What is left is the archive: the rootfs, tars, layout and storage (600 MB) go, failed run or not.
trap 'stop_in_image; cleanup; rm -rf "$WORK"' EXIT
# What the training run left running, if the build stops half-way (defined with the training run below).
stop_in_image() { :; }

# ---------------------------------------------------------------- the Debian packages
log "$NAME $VERSION: Debian packages"
# From an empty folder: apt leaves out the files already in the current one.
if ! uris=$(cd "$TMPDIR" && apt-get download --print-uris $PACKAGES $JDK_PACKAGE 2>"$WORK/apt.err"); then
    die "apt cannot resolve the base's packages ($(grep -m1 '^E:' "$WORK/apt.err" || head -1 "$WORK/apt.err")): run apt-get update"
fi
mapfile -t files < <(awk '{print $2}' <<<"$uris" | LC_ALL=C sort)
[[ ${#files[@]} -eq $(wc -w <<<"$PACKAGES $JDK_PACKAGE") ]] \
    || die "apt resolved ${#files[@]} files for $(wc -w <<<"$PACKAGES $JDK_PACKAGE") packages: $PACKAGES $JDK_PACKAGE"
missing=()
for f in "${files[@]}"; do [[ -f "$DEBS/$f" ]] || missing+=("$(cut -d_ -f1 <<<"$f")"); done
if ((${#missing[@]})); then
    (cd "$DEBS" && flock "$DEBS/.lock" apt-get download -q "${missing[@]}" >"$WORK/apt.log" 2>&1) \
        || die "cannot download ${missing[*]} from the Debian mirror: $(grep -m1 '^E:' "$WORK/apt.log" || tail -1 "$WORK/apt.log")"
fi

# ---------------------------------------------------------------- the base's root filesystem
R=$WORK/rootfs
JDK=$WORK/jdk
mkdir -p "$R" "$JDK"
for f in "${files[@]}"; do
    pkg=$(dpkg-deb -f "$DEBS/$f" Package)
    # The JRE and JDK packages unpack beside the image: the image gets the runtime jlink makes from them.
    if [[ $pkg == openjdk-17-* ]]; then
        dpkg-deb -x "$DEBS/$f" "$JDK"
        [[ $pkg == "$JDK_PACKAGE" ]] && continue
        mkdir -p "$R/usr/share/doc/$pkg" && cp "$JDK/usr/share/doc/$pkg/copyright" "$R/usr/share/doc/$pkg/"
    else
        dpkg-deb -x "$DEBS/$f" "$R"
    fi
    # What scanners read in distroless images to know the packages: each one's control fields.
    # The JRE's record stays: the runtime is that package's version, which is what a scanner matches advisories on.
    mkdir -p "$R/var/lib/dpkg/status.d"
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
# The runtime: only RUNTIME_MODULES (74 MiB against the JRE package's 184). Debug attributes stay, so stack traces keep their
# line numbers. Its class-data archive is made below, in a layer of its own.
JLINK=$JDK$JAVA_HOME_IN_IMAGE/bin/jlink
[[ -x $JLINK ]] || die "$JDK_PACKAGE did not unpack $JAVA_HOME_IN_IMAGE/bin/jlink"
mkdir -p "$R$(dirname "$JAVA_HOME_IN_IMAGE")"
"$JLINK" --module-path "$JDK$JAVA_HOME_IN_IMAGE/jmods" --add-modules "$(IFS=,; echo "${RUNTIME_MODULES[*]}")" \
    --no-man-pages --no-header-files --output "$R$JAVA_HOME_IN_IMAGE" >"$WORK/jlink.log" 2>&1 \
    || die "jlink failed: $(tail -1 "$WORK/jlink.log")"
[[ -x "$R$JAVA_HOME_IN_IMAGE/bin/java" ]] || die "jlink made no $JAVA_HOME_IN_IMAGE/bin/java"
# As Debian's JRE: the trust store is the system's, made above.
ln -sf /etc/ssl/certs/java/cacerts "$R$JAVA_HOME_IN_IMAGE/lib/security/cacerts"
ln -sf "$JAVA_HOME_IN_IMAGE/bin/java" "$R/usr/bin/java"
ln -sf /usr/share/zoneinfo/Etc/UTC "$R/etc/localtime"
# Documentation is dropped; each package's copyright file stays (the licenses travel with the binaries).
find "$R/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
find "$R/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$R/usr/share/man" "$R/usr/share/info" "$R/usr/share/lintian" "$R/usr/share/gdb" "$R/usr/share/bug" \
    "$R$JAVA_HOME_IN_IMAGE/man" "$R$JAVA_HOME_IN_IMAGE/docs"
TAR=(tar --sort=name --numeric-owner --mtime=@0 --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime)
"${TAR[@]}" -C "$R" -cf "$WORK/base.tar" .

# ---------------------------------------------------------------- class data: the image's third layer
# Class-data sharing archives: classes parsed, verified and laid out once here instead of at every start. The JDK's
# default archive (lib/server/classes.jsa, what Debian's JRE ships) in every image, and for the registry a dynamic
# AppCDS archive on top of it, /app/portcullis-registry.jsa, which jvm.options gives every command of the jar: the
# classes the registry loaded while it started with TLS and served the pushes and pulls of images/Training.java
# (issue 23 measured a third of the start CPU). JDK 17 does not write these archives byte for byte the same twice
# (about 900 bytes of 13 MB differ between two dumps of the same runtime), so they are a layer of their own: the
# base and the jar's layer stay reproducible, and only this one changes from build to build.
#
# The JVM takes an archive only from the runtime it was made by, for the jar at the same path, size and time, so
# they are made in the image itself: its layers overlaid, chrooted as uid 65532, in a mount namespace of its own
# that takes its mounts with it; only the network is the build machine's, for the training client.
CLASSDATA=$WORK/classdata
T=$WORK/train
# in_image LAYERS CMD...: CMD in the image made of LAYERS (colon-separated folders, top first), /train mounted from
# $T/files
in_image() {
    rm -rf "$T/upper" "$T/work"
    mkdir -p "$T/upper" "$T/work" "$T/root"
    unshare --mount sh -c 'set -e; T=$1 L=$2; shift 2
        mount -t overlay overlay -o "lowerdir=$L,upperdir=$T/upper,workdir=$T/work" "$T/root"
        mkdir -p "$T/root/proc" "$T/root/dev" "$T/root/train"
        mount --rbind /proc "$T/root/proc"; mount --rbind /dev "$T/root/dev"; mount --bind "$T/files" "$T/root/train"
        exec chroot --userspec=65532:65532 --groups=65532 "$T/root" "$@"' in-image "$T" "$@"
}
# SIGNAL to the processes running in the image (the training run's registry): they are the ones whose root is it.
stop_in_image() {
    local p
    for p in /proc/[0-9]*; do
        [[ $(readlink "$p/root" 2>/dev/null) == "$T/root" ]] && kill "-${1:-KILL}" "${p#/proc/}" 2>/dev/null
    done
    return 0
}

default_archive() {
    mkdir -p "$T/files/out" "$CLASSDATA$JAVA_HOME_IN_IMAGE/lib/server"
    chown 65532:65532 "$T/files/out"
    # The JDK build's own flags for its archive; without them the heap size, and with it the layout, is the machine's.
    in_image "$A:$R" /usr/bin/java -Xshare:dump -Xmx128M -Xms128M -XX:SharedArchiveFile=/train/out/classes.jsa \
        >"$WORK/cds-dump.log" 2>&1 || die "the JDK's class-data archive could not be made: $(tail -1 "$WORK/cds-dump.log")"
    install -m 444 "$T/files/out/classes.jsa" "$CLASSDATA$JAVA_HOME_IN_IMAGE/lib/server/classes.jsa"
}

train_registry() {
    log "$NAME $VERSION: training run for the class-data archive"
    local port debug pw pid
    mkdir -p "$T/files/out"
    openssl ecparam -name prime256v1 -genkey -noout -out "$T/ca.key" 2>/dev/null \
        && openssl req -x509 -new -key "$T/ca.key" -subj "/CN=training CA" -days 1 -out "$T/files/ca.crt" 2>/dev/null \
        && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/files/server.key" 2>/dev/null \
        && openssl req -new -key "$T/files/server.key" -subj "/CN=127.0.0.1" -out "$T/server.csr" 2>/dev/null \
        && openssl x509 -req -in "$T/server.csr" -CA "$T/files/ca.crt" -CAkey "$T/ca.key" -CAcreateserial -days 1 \
            -extfile <(echo subjectAltName=IP:127.0.0.1) -out "$T/files/server.crt" 2>/dev/null \
        || die "openssl could not make the training run's certificate"
    port=$(java "$HERE/Training.java" port) && debug=$(java "$HERE/Training.java" port) || die "no free loopback port"
    pw=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
    java -cp "$JAR" "$HERE/Training.java" htpasswd training <<<"$pw" >"$T/files/htpasswd"
    cat >"$T/files/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: 127.0.0.1:$port
  tls:
    certificate: /train/server.crt
    key: /train/server.key
  debug:
    addr: 127.0.0.1:$debug
    prometheus:
      enabled: true
auth:
  htpasswd:
    realm: training
    path: /train/htpasswd
EOF
    # The archive being made cannot be read at the same time.
    grep -v -e '-XX:SharedArchiveFile' "$A/app/jvm.options" >"$T/files/jvm.options"
    chown -R 65532:65532 "$T/files"
    in_image "$CLASSDATA:$A:$R" /usr/bin/java @/train/jvm.options -XX:ArchiveClassesAtExit=/train/out/portcullis-registry.jsa \
        -jar /app/portcullis-registry.jar serve /train/config.yml >"$T/registry.log" 2>&1 &
    pid=$!
    if ! java "$HERE/Training.java" run "https://127.0.0.1:$port" "$T/files/ca.crt" training \
        "http://127.0.0.1:$debug" <<<"$pw" >"$T/client.log" 2>&1; then
        stop_in_image KILL; wait "$pid" 2>/dev/null
        die "the training run failed: $(tail -1 "$T/client.log"); the registry said: $(tail -3 "$T/registry.log" | tr '\n' ' ')"
    fi
    # SIGTERM: the registry drains and exits, and the JVM writes the archive on its way out.
    stop_in_image TERM
    wait "$pid" || true
    [[ -s $T/files/out/portcullis-registry.jsa ]] \
        || die "the training run wrote no class-data archive: $(tail -3 "$T/registry.log" | tr '\n' ' ')"
    install -D -m 444 "$T/files/out/portcullis-registry.jsa" "$CLASSDATA/app/portcullis-registry.jsa"
    log "$NAME $VERSION: class-data archive $(du -h "$CLASSDATA/app/portcullis-registry.jsa" | cut -f1)"
}

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
# The JVM accepts a class-data archive only for a jar of the size and file time it was made from: the image's time.
find "$A" -exec touch -h -d @"$EPOCH" {} +
"${TAR[@]}" --mtime=@"$EPOCH" -C "$A" -cf "$WORK/app.tar" .
default_archive
[[ $KIND == registry ]] && train_registry
"${TAR[@]}" --mtime=@"$EPOCH" -C "$CLASSDATA" -cf "$WORK/classdata.tar" .

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
"${B[@]}" commit --quiet --timestamp "$EPOCH" --format oci --rm "$c" localhost/portcullis-app >/dev/null
c=$("${B[@]}" from localhost/portcullis-app)
"${B[@]}" add --quiet "$c" "$WORK/classdata.tar" / >/dev/null
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
