#!/usr/bin/env bash
# Runs rpclint over a pinned corpus of real trees and compares its findings
# with the judged list (the clippy "lintcheck" idea; docs/realworld.md).
#
#   scripts/corpus.sh [--check]   fetch what is missing, run rpclint on every
#                                 tree, and fail (exit 1) when the findings
#                                 differ from tests/realworld/findings.json:
#                                 a new finding must be judged in
#                                 tests/realworld/triage.toml first
#   scripts/corpus.sh --update    the same run, then rewrite findings.json
#   scripts/corpus.sh --fetch     only fetch and unpack the trees
#
# The trees are listed, with pinned versions, in tests/realworld/corpus.txt:
# Debian source packages (`apt-get source`: needs deb-src lines in the apt
# sources and dpkg-dev; unpacked with their Debian patches applied),
# crates.io crates (resolved and downloaded by cargo into its registry cache,
# then copied) and public git repositories at a pinned commit (read from a
# local snapshot, a git directory at $RPCLINT_MIRROR_DIR/<owner>+<name>/repo,
# default /work/.mirror: a fresh machine needs that snapshot first, e.g. a
# `git clone --bare` of the repository there; only the files rpclint reads
# are extracted). Everything lands in $RPCLINT_CORPUS_DIR (default: corpus/ in
# the repository, which git ignores): downloads at its top, the unpacked
# trees under trees/<name>, with trees/<name>.version saying which version
# each holds. Files already there are reused, so point RPCLINT_CORPUS_DIR at
# a folder that holds the .dsc and tarballs to avoid downloading them again.
# Each run writes its findings to a folder of its own there (.run.*, removed
# at exit), so runs that share the corpus folder do not disturb each other.
#
# rpclint runs from each tree's top directory, with
#   --format json --isolated --ignore parse-error [--include-tests --select all]
# (`parse-error` notes say where rpclint's own parsers fell short; they are
# not security findings; the bracketed options, when the binary has them,
# keep test code and the audit group in the measure, and each finding
# records whether rpclint took it for test code). The binary is
# target/release/rpclint, built here, unless $RPCLINT names another. Needs the network for what is not there yet,
# so it is not part of .ci/run; tests/realworld.rs checks the stored list
# against the triage offline, in `cargo test`.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
manifest="$repo/tests/realworld/corpus.txt"
stored="$repo/tests/realworld/findings.json"
corpus="${RPCLINT_CORPUS_DIR:-$repo/corpus}"
mode="${1:---check}"

die() { echo "corpus: $*" >&2; exit 2; }
say() { echo "corpus: $*" >&2; }

case "$mode" in
    --check | --update | --fetch) ;;
    -h | --help) sed -n '2,/^[^#]/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $mode (expected --check, --update or --fetch)" ;;
esac

need() {
    command -v "$1" >/dev/null 2>&1 && return
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing $2 (for $1)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null \
            || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }
    fi
    command -v "$1" >/dev/null 2>&1 || die "needs $1 (Debian package $2)"
}
need jq jq

mkdir -p "$corpus/trees"
corpus="$(cd "$corpus" && pwd)"

# The manifest's tree lines: kind name version [features | owner/repository [-dir,...]].
entries() { grep -Ev '^[[:space:]]*(#|$)' "$manifest"; }

# The version the tree of package $1 holds, or nothing.
unpacked_version() { cat "$corpus/trees/$1.version" 2>/dev/null || true; }

# The highest version of source package $1 that apt knows.
current_source_version() {
    local best="" v
    for v in $(apt-cache showsrc "$1" 2>/dev/null | awk '$1 == "Version:" { print $2 }'); do
        if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then best="$v"; fi
    done
    echo "$best"
}

fetch_deb() {
    local name="$1" version="$2" got dsc
    need dpkg-source dpkg-dev
    got="$version"
    dsc="$corpus/${name}_${got#*:}.dsc"
    if [ ! -f "$dsc" ]; then
        say "$name $version: downloading (apt-get source)"
        if ! (cd "$corpus" && apt-get source --download-only -qq "$name=$version" >/dev/null 2>&1); then
            got="$(current_source_version "$name")"
            [ -n "$got" ] || die "$name: apt knows no source package of that name (are deb-src lines enabled, and has 'apt-get update' run?)"
            say "WARNING: $name $version is no longer in the archive (a security update replaced it);" \
                "fetching the current version, $got. Its findings must be judged and recorded with --update."
            dsc="$corpus/${name}_${got#*:}.dsc"
            [ -f "$dsc" ] || (cd "$corpus" && apt-get source --download-only -qq "$name=$got" >/dev/null) \
                || die "$name $got: apt-get source failed"
        fi
        [ -f "$dsc" ] || die "$name: apt-get source left no $dsc"
    fi
    say "$name $got: unpacking with the Debian patches"
    rm -rf "$corpus/trees/$name" "$corpus/trees/$name.tmp" "$corpus/trees/$name.version"
    dpkg-source --no-check --no-copy -x "$dsc" "$corpus/trees/$name.tmp" >/dev/null \
        || die "$name: dpkg-source -x $dsc failed"
    mv "$corpus/trees/$name.tmp" "$corpus/trees/$name"
    echo "$got" >"$corpus/trees/$name.version"
}

# Crates: one throw-away package depending on every pinned crate (exact
# versions, the listed features); cargo downloads them into its registry
# cache and `cargo metadata` says where their sources are.
fetch_crates() {
    local project="$corpus/.crates" kind name version features meta
    mkdir -p "$project/src"
    : >"$project/src/lib.rs"
    {
        printf '[package]\nname = "rpclint-corpus"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n'
        printf '[workspace]\n\n[dependencies]\n'
        while read -r kind name version features; do
            [ "$kind" = crate ] || continue
            if [ -n "${features:-}" ]; then
                printf '%s = { version = "=%s", features = ["%s"] }\n' "$name" "$version" "${features//,/\", \"}"
            else
                printf '%s = "=%s"\n' "$name" "$version"
            fi
        done < <(entries)
    } >"$project/Cargo.toml"
    say "crates: resolving and downloading (cargo metadata)"
    meta="$(cargo metadata --format-version 1 --manifest-path "$project/Cargo.toml")" \
        || die "cargo could not resolve the pinned crates"
    while read -r kind name version features; do
        [ "$kind" = crate ] || continue
        [ "$(unpacked_version "$name")" = "$version" ] && continue
        local manifest_path
        manifest_path="$(jq -r --arg n "$name" --arg v "$version" \
            '.packages[] | select(.name == $n and .version == $v) | .manifest_path' <<<"$meta")"
        [ -n "$manifest_path" ] || die "crate $name $version: not in cargo's resolution"
        say "$name $version: copying from cargo's registry cache"
        rm -rf "$corpus/trees/$name" "$corpus/trees/$name.version"
        cp -R "$(dirname "$manifest_path")" "$corpus/trees/$name"
        echo "$version" >"$corpus/trees/$name.version"
    done < <(entries)
}

# The git directory of the local snapshot of owner/name $1.
mirror_git_dir() {
    local dir="${RPCLINT_MIRROR_DIR:-/work/.mirror}/${1/\//+}/repo"
    if [ -d "$dir/.git" ]; then echo "$dir/.git"; else echo "$dir"; fi
}

# A repository at a pinned commit: the files rpclint reads (by extension, as
# src/discover.rs lists them), from the local snapshot, without a work tree.
# A snapshot may lack its largest files; those are left out, and said so.
fetch_git() {
    local name="$1" commit="$2" source="$3" skip="${4:-}" gd tmp missing
    need git git
    [ -n "$source" ] || die "$name: a git tree needs owner/repository as its fourth field"
    gd="$(mirror_git_dir "$source")"
    git --git-dir="$gd" cat-file -e "$commit^{commit}" 2>/dev/null \
        || die "$name: no snapshot of $source holding commit $commit at $gd (fetch one there first)"
    say "$name $commit: extracting from $gd"
    tmp="$corpus/trees/$name.tmp"
    rm -rf "$corpus/trees/$name" "$tmp" "$corpus/trees/$name.version"
    mkdir -p "$tmp"
    # mode type object<TAB>path; object ids of blobs the snapshot has.
    git --git-dir="$gd" ls-tree -r --full-tree "$commit" \
        | awk -F'\t' -v skip="${skip#-}" '
            BEGIN { n = split(skip, dirs, ",-") }
            tolower($2) ~ /\.(c|h|cc|cpp|cxx|hpp|hh|hxx|inl|rs)$/ {
                for (i = 1; i <= n; i++) if (dirs[i] != "" && index($2, dirs[i] "/") == 1) next
                split($1, f, " "); if (f[2] == "blob") print f[3] "\t" $2
            }' \
        >"$tmp.list"
    missing="$(cut -f1 "$tmp.list" | git --git-dir="$gd" cat-file --batch-check | awk '$2 == "missing" { print $1 }')"
    [ -z "$missing" ] || say "WARNING: $name: $(wc -l <<<"$missing") large file(s) absent from the snapshot, left out"
    awk -F'\t' 'NR == FNR { gone[$1] = 1; next } !($1 in gone) { printf "%s%c", $2, 0 }' \
        <(printf '%s\n' "$missing") "$tmp.list" \
        | xargs -0 -r bash -c 'gd="$1"; c="$2"; shift 2; git --literal-pathspecs --git-dir="$gd" archive --format=tar "$c" -- "$@"' _ "$gd" "$commit" \
        | tar -x -C "$tmp" -f - --ignore-zeros \
        || die "$name: extracting $commit from $gd failed"
    rm -f "$tmp.list"
    mv "$tmp" "$corpus/trees/$name"
    echo "$commit" >"$corpus/trees/$name.version"
}

fetch_all() {
    local kind name version features crates_missing=0
    while read -r kind name version features; do
        case "$kind" in
            deb)
                local have
                have="$(unpacked_version "$name")"
                # A tree of a newer version fetched by the fallback is kept
                # until the pinned version comes back or the pin is moved.
                if [ "$have" != "$version" ] && ! dpkg --compare-versions "${have:-0}" gt "$version"; then
                    fetch_deb "$name" "$version"
                fi
                ;;
            crate) [ "$(unpacked_version "$name")" = "$version" ] || crates_missing=1 ;;
            git)
                local source skip
                read -r source skip <<<"${features:-}"
                [ "$(unpacked_version "$name")" = "$version" ] || fetch_git "$name" "$version" "$source" "$skip"
                ;;
            *) die "$manifest: unknown kind '$kind'" ;;
        esac
    done < <(entries)
    if [ "$crates_missing" = 1 ]; then fetch_crates; fi
}

# The normalised findings of every tree, in the format of findings.json.
run_all() {
    local kind name version features got out status
    local bin="${RPCLINT:-}"
    if [ -z "$bin" ]; then
        say "building rpclint (cargo build --release)"
        (cd "$repo" && cargo build --release --quiet) || die "cargo build failed"
        bin="$repo/target/release/rpclint"
    fi
    local parts="$scratch/parts"
    mkdir -p "$parts"
    # Every rule and test code too, where the binary knows them: the corpus
    # measures the audit group as well, and whether test code is told apart.
    local every=()
    if "$bin" check --help 2>/dev/null | grep -q -- '--include-tests'; then every=(--include-tests --select all); fi
    while read -r kind name version features; do
        got="$(unpacked_version "$name")"
        [ -n "$got" ] || die "$name: not unpacked"
        [ "$got" = "$version" ] || say "WARNING: $name: checking version $got, not the pinned $version"
        out="$parts/$name.json"
        status=0
        (cd "$corpus/trees/$name" && "$bin" check --format json --isolated --ignore parse-error --quiet "${every[@]}" . >"$out") \
            || status=$?
        # 1 only means "there are findings".
        if [ "$status" -gt 1 ]; then
            jq -r '.errors[] | "  \(.path): \(.message)"' "$out" >&2 || true
            die "$name: rpclint exited with $status"
        fi
        jq -c --arg p "$name" --arg v "$got" \
            '{package: $p, version: $v, count: (.diagnostics | length)}' "$out" >"$parts/$name.package"
        jq -c --arg p "$name" --arg v "$got" '.diagnostics[]
            | {package: $p, version: $v, path, line: .span.start.line, rule, message}
              + (if has("test_code") then {test_code} else {} end)' "$out" >"$parts/$name.findings"
        say "$name $got: $(jq '.diagnostics | length' "$out") findings"
    done < <(entries)
    # One object a line, so that a diff shows one finding a line.
    printf '{\n  "version": 1,\n  "packages": [\n'
    cat "$parts"/*.package | jq -sc 'sort_by(.package) | .[]' | lines
    printf '  ],\n  "findings": [\n'
    cat "$parts"/*.findings | jq -sc 'sort_by(.package, .path, .line, .rule, .message) | .[]' | lines
    printf '  ]\n}\n'
}

# Indents lines and separates them with commas (JSON array elements).
lines() { awk 'NR > 1 { print prev "," } { prev = "    " $0 } END { if (NR) print prev }'; }

fetch_all
[ "$mode" = --fetch ] && exit 0

# Private to this run: several runs may share one corpus folder.
scratch="$(mktemp -d "$corpus/.run.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
fresh="$scratch/findings.json"
run_all >"$fresh"
case "$mode" in
    --update)
        cp "$fresh" "$stored"
        say "wrote $(jq '.findings | length' "$stored") findings to ${stored#"$repo"/}; judge new ones in tests/realworld/triage.toml (cargo test --test realworld checks)"
        ;;
    --check)
        if diff -u --label stored --label fresh "$stored" "$fresh"; then
            say "the findings match ${stored#"$repo"/} ($(jq '.findings | length' "$fresh") findings)"
        else
            say "the findings differ from ${stored#"$repo"/} (- stored, + fresh): judge each new finding in"
            say "tests/realworld/triage.toml, fix false alarms, then run scripts/corpus.sh --update"
            exit 1
        fi
        ;;
esac
