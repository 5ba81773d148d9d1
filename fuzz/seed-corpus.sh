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
echo "$(ls "$out" | wc -l) seeds in fuzz/$out"
