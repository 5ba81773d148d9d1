#!/bin/sh
# Builds the seed corpus of the `per_file` target from the fixtures and the
# examples: each source file, prefixed with the byte that selects its
# language (0 C, 1 C++, 2 Rust; see fuzz_targets/per_file.rs).
set -eu
cd "$(dirname "$0")"
out=corpus/per_file
mkdir -p "$out"
for f in ../fixtures/*/* ../examples/*; do
    case "$f" in
        *.c) mode='\000' ;;
        *.rs) mode='\002' ;;
        *.cpp|*.cc|*.cxx|*.h|*.hpp|*.hh|*.hxx|*.inl) mode='\001' ;;
        *) continue ;;
    esac
    name=$(echo "$f" | sed 's|^\.\./||; s|/|_|g')
    { printf "$mode"; cat "$f"; } > "$out/$name"
done
# Two-file seeds (mode bit 8): a source and the header next to it.
for h in ../fixtures/*/*.h ../examples/*.h; do
    [ -e "$h" ] || continue
    for f in "$(dirname "$h")"/*.c "$(dirname "$h")"/*.cpp; do
        [ -e "$f" ] || continue
        case "$f" in *.c) mode='\010' ;; *) mode='\011' ;; esac
        name=$(echo "$f" | sed 's|^\.\./||; s|/|_|g')
        { printf "$mode"; cat "$f"; printf '\n@@@\n'; cat "$h"; } > "$out/pair_$name"
    done
done
echo "fuzz/$out holds $(ls "$out" | wc -l) inputs"
