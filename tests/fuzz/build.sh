#!/bin/sh
# Builds the libFuzzer targets into $1 (default: build-fuzz). Not part of CI's
# CMake build: clang 14 is the compiler with libFuzzer here, and it needs to be
# told that libstdc++'s <expected> may be used (see README.md).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/build-fuzz}
mkdir -p "$out"
flags="-DIV_READ_CHUNK_BYTES=64 -std=c++2b -D__cpp_concepts=202002L -Wno-macro-redefined -Wno-builtin-macro-redefined -g -O1
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$root/tests/fuzz/shim
       -I$root/src -I$root/tests/fuzz"
sources="byte_source encoding format csv_dialect csv_reader json_stream json_reader coco_summary xml_reader
         xlsx_reader reader"
objects=""
for s in $sources; do
  clang++ $flags -fsanitize=fuzzer-no-link -c "$root/src/analysis/$s.cpp" -o "$out/$s.o"
  objects="$objects $out/$s.o"
done
for target in fuzz_csv fuzz_json fuzz_xml; do
  clang++ $flags "$root/tests/fuzz/$target.cpp" $objects -lsimdjson -lexpat -lzip -o "$out/$target"
done
echo "built: $out/fuzz_csv $out/fuzz_json $out/fuzz_xml"
